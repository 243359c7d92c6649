/**
 * The sub-accounts' guardrails through the send API (issue 15), over real HTTP against the AWS emulator:
 * what a caller is told, and that a refused request leaves nothing on the queue or in the table.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  batchResponseSchema,
  errorResponseSchema,
  suppressionResponseSchema,
} from '../../../core/openApi.js';
import { useSendApi } from './sendApiFixture.js';

const api = useSendApi(
  {
    subAccounts: [
      { id: 'sg_only', password: { env: 'SG_PASSWORD' }, allowedDestinations: ['+65'] },
      { id: 'no_premium', password: { env: 'NP_PASSWORD' }, blockedDestinations: ['882', '+4470'] },
      { id: 'listed', password: { env: 'LISTED_PASSWORD' }, optOuts: {} },
    ],
  },
  { prefix: 'guardrails-api' },
);

const send = { from: 'ACME', text: 'Your code is 123456' };
const queueOf = (subAccount: string) => api().resources.sendQueues[subAccount]?.queueUrl ?? '';

async function messageCount(): Promise<number> {
  const { Count } = await api().aws.documentClient.send(
    new ScanCommand({ TableName: api().resources.tables.messages, Select: 'COUNT' }),
  );
  return Count ?? 0;
}

describe('country rules through the API', () => {
  it('accepts a number under an allowed prefix', async () => {
    const answer = await api().post('/messages', { ...send, subAccount: 'sg_only', to: '+6591234567' });
    expect(answer.status).toBe(202);
    expect(await api().drain(queueOf('sg_only'))).toHaveLength(1);
  });

  it('answers 400 naming `to` for a number outside the allow-list, and queues and records nothing', async () => {
    const before = await messageCount();
    const answer = await api().post('/messages', { ...send, subAccount: 'sg_only', to: '+447912345678' });
    expect(answer.status).toBe(400);
    expect(errorResponseSchema.parse(answer.json).errors).toEqual([
      { field: 'to', message: 'is not a destination this sub-account may send to (allowed prefixes: +65)' },
    ]);
    expect(await api().drain(queueOf('sg_only'))).toHaveLength(0);
    expect(await messageCount()).toBe(before);
  });

  it('answers 400 naming `to` and the prefix for a number on the block-list, and accepts others', async () => {
    const blocked = await api().post('/messages', { ...send, subAccount: 'no_premium', to: '+8821234567' });
    expect(blocked.status).toBe(400);
    expect(blocked.json.errors).toEqual([
      {
        field: 'to',
        message: 'is a blocked destination for this sub-account (prefix +882 is on its block-list)',
      },
    ]);
    const allowed = await api().post('/messages', { ...send, subAccount: 'no_premium', to: '+447912345678' });
    expect(allowed.status).toBe(202);
    expect(await api().drain(queueOf('no_premium'))).toHaveLength(1);
  });

  it('rejects the refused items of a batch, each naming `to`, and accepts the rest', async () => {
    const answer = await api().post('/messages/batch', {
      messages: [
        { ...send, subAccount: 'sg_only', to: '+6591230000' },
        { ...send, subAccount: 'sg_only', to: '+12025550123' },
        { ...send, subAccount: 'no_premium', to: '+447012345678' },
      ],
    });
    expect(answer.status).toBe(200);
    const body = batchResponseSchema.parse(answer.json);
    expect(body).toMatchObject({ accepted: 1, rejected: 2 });
    expect(body.results[1]).toMatchObject({ result: 'rejected', errors: [{ field: 'to' }] });
    expect(body.results[2]).toMatchObject({ result: 'rejected', errors: [{ field: 'to' }] });
    expect(await api().drain(queueOf('sg_only'))).toHaveLength(1);
    expect(await api().drain(queueOf('no_premium'))).toHaveLength(0);
  });
});

describe('opt-outs through the API', () => {
  const number = '+6591110001';
  const path = (phoneNumber: string, subAccount = 'listed') =>
    `/suppressions/${encodeURIComponent(phoneNumber)}?subAccount=${subAccount}`;
  const sendTo = (to: string) => api().post('/messages', { ...send, subAccount: 'listed', to });

  it('sends to a number not on the list, and GET says it is not there', async () => {
    expect((await sendTo(number)).status).toBe(202);
    expect(await api().drain(queueOf('listed'))).toHaveLength(1);
    const got = await api().get(path(number));
    expect(got.status).toBe(404);
    expect(got.json.code).toBe('suppression_not_found');
  });

  it('PUT puts the number on the list; sends to it are then refused naming `to`, single and in a batch', async () => {
    const put = await api().request('PUT', path(number));
    expect(put.status).toBe(201);
    expect(suppressionResponseSchema.parse(put.json)).toMatchObject({
      suppressed: true,
      suppression: { subAccount: 'listed', phoneNumber: number, source: 'api' },
    });
    const again = await api().request('PUT', path(number));
    expect(again.status).toBe(200);
    expect(again.json.suppression).toEqual(put.json.suppression);

    const before = await messageCount();
    const refused = await sendTo(number);
    expect(refused.status).toBe(400);
    const body = errorResponseSchema.parse(refused.json);
    expect(body.code).toBe('destination_opted_out');
    expect(body.errors).toEqual([
      {
        field: 'to',
        message: `${number} opted out of messages from sub-account listed (through PUT /suppressions); DELETE /suppressions/{number} lifts it`,
      },
    ]);

    const batch = batchResponseSchema.parse(
      (
        await api().post('/messages/batch', {
          messages: [
            { ...send, subAccount: 'listed', to: number },
            { ...send, subAccount: 'listed', to: '+6591110002' },
            // Another sub-account's list is its own: the same number is sent to there.
            { ...send, subAccount: 'sg_only', to: number },
          ],
        })
      ).json,
    );
    expect(batch).toMatchObject({ accepted: 2, rejected: 1 });
    expect(batch.results[0]).toMatchObject({
      result: 'rejected',
      code: 'destination_opted_out',
      errors: [{ field: 'to' }],
    });
    expect((await api().drain(queueOf('listed'))).map((message) => JSON.parse(message.body).to)).toEqual([
      '+6591110002',
    ]);
    expect(await api().drain(queueOf('sg_only'))).toHaveLength(1);
    expect(await messageCount()).toBe(before + 2);

    const got = await api().get(path(number));
    expect(got.status).toBe(200);
    expect(got.json.suppression).toEqual(put.json.suppression);
  });

  it('DELETE takes it off the list and sends to it are allowed again; a second DELETE is a 404', async () => {
    const deleted = await api().request('DELETE', path(number));
    expect(deleted.status).toBe(200);
    expect(deleted.json).toMatchObject({ suppressed: false, suppression: { phoneNumber: number } });
    expect((await sendTo(number)).status).toBe(202);
    expect(await api().drain(queueOf('listed'))).toHaveLength(1);
    expect((await api().request('DELETE', path(number))).status).toBe(404);
  });

  it('takes the number with its + as written or percent-encoded', async () => {
    const plus = await api().request('PUT', `/suppressions/+6591110003?subAccount=listed`);
    expect(plus.status).toBe(201);
    expect((await api().get(path('+6591110003'))).status).toBe(200);
  });

  it('answers 400 naming the bad number, a missing sub-account, and a sub-account without optOuts', async () => {
    const bad = await api().request('PUT', path('6591110004'));
    expect(bad.status).toBe(400);
    expect(errorResponseSchema.parse(bad.json).errors?.map((error) => error.field)).toEqual(['number']);

    const missing = await api().get(`/suppressions/${encodeURIComponent(number)}`);
    expect(missing.status).toBe(400);
    expect(missing.json.errors).toEqual([
      { field: 'subAccount (query)', message: 'is required: whose list, e.g. ?subAccount=acme' },
    ]);

    const unlisted = await api().request('PUT', path(number, 'sg_only'));
    expect(unlisted.status).toBe(400);
    expect(unlisted.json.errors).toEqual([
      {
        field: 'subAccount (query)',
        message: 'keeps no suppression list: add "optOuts": {} to sub-account sg_only in the fleet config',
      },
    ]);
  });
});
