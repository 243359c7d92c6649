/**
 * The sub-accounts' guardrails through the send API (issue 15), over real HTTP against the AWS emulator:
 * what a caller is told, and that a refused request leaves nothing on the queue or in the table.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { batchResponseSchema, errorResponseSchema } from '../../../core/openApi.js';
import { useSendApi } from './sendApiFixture.js';

const api = useSendApi(
  {
    subAccounts: [
      { id: 'sg_only', password: { env: 'SG_PASSWORD' }, allowedDestinations: ['+65'] },
      { id: 'no_premium', password: { env: 'NP_PASSWORD' }, blockedDestinations: ['882', '+4470'] },
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
