/**
 * Velocity limits through the send API (issue 15), over real HTTP against the AWS emulator: the 429 with
 * the limit named and Retry-After, the batch's per-item refusals, a retried request not counted twice, a
 * message the API counted not counted again by the worker, and no counting for a sub-account without limits.
 */
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { batchResponseSchema, errorResponseSchema } from '../../../core/openApi.js';
import { velocityCount } from '../../../core/velocityLimits.js';
import { DynamoDbVelocityCounter } from '../../../worker/guardrails/DynamoDbVelocityCounter.js';
import { DynamoDbMessageStore } from '../../../worker/records/DynamoDbMessageStore.js';
import { BindPool } from '../../../worker/sending/BindPool.js';
import { MessageSender } from '../../../worker/sending/MessageSender.js';
import { useSendApi } from './sendApiFixture.js';

const limits = { perDestinationPerHour: 2, perSubAccountPerDay: 6 };
const api = useSendApi(
  {
    subAccounts: [
      { id: 'limited', password: { env: 'LIMITED_PASSWORD' }, velocityLimits: limits },
      { id: 'free', password: { env: 'FREE_PASSWORD' } },
    ],
  },
  { prefix: 'velocity-api' },
);

const send = { from: 'ACME', text: 'Your code is 123456' };
const queueOf = (subAccount: string) => api().resources.sendQueues[subAccount]?.queueUrl ?? '';

async function destinationHourCount(to: string): Promise<number | undefined> {
  const count = velocityCount({ subAccount: 'limited', messageId: 'x', to, now: Date.now() }, limits);
  const { Item } = await api().aws.documentClient.send(
    new GetCommand({ TableName: api().resources.tables.velocity, Key: count.counters[0]?.key }),
  );
  return Item?.count as number | undefined;
}

describe('velocity limits through the API', () => {
  it('accepts two to a number in the hour, then answers 429 naming the limit with Retry-After', async () => {
    const to = '+6592220001';
    for (const text of ['one', 'two']) {
      expect((await api().post('/messages', { ...send, text, subAccount: 'limited', to })).status).toBe(202);
    }
    const refused = await api().post('/messages', { ...send, subAccount: 'limited', to });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3_600);
    const body = errorResponseSchema.parse(refused.json);
    expect(body.code).toBe('rate_limited');
    expect(body.errors).toEqual([
      {
        field: 'to',
        message: `${to} is over the sub-account's velocityLimits.perDestinationPerHour (2 per destination number per hour); try again in ${retryAfter} s`,
      },
    ]);
    // Two queued, the refused one neither queued nor counted.
    expect(await api().drain(queueOf('limited'))).toHaveLength(2);
    expect(await destinationHourCount(to)).toBe(2);
  });

  it('counts a request retried with its idempotency key once', async () => {
    const to = '+6592220002';
    const request = { ...send, subAccount: 'limited', to, idempotencyKey: 'velocity-retry' };
    const first = await api().post('/messages', request);
    const retried = await api().post('/messages', request);
    expect([first.status, retried.status]).toEqual([202, 202]);
    expect(retried.json.messageId).toBe(first.json.messageId);
    expect(await destinationHourCount(to)).toBe(1);
    await api().drain(queueOf('limited'));
  });

  it('is not counted again by the worker that sends what the API accepted', async () => {
    const to = '+6592220003';
    expect((await api().post('/messages', { ...send, subAccount: 'limited', to })).status).toBe(202);
    const [queued] = await api().drain(queueOf('limited'));
    const { aws, resources } = api();
    let transactions = 0;
    const counter = new DynamoDbVelocityCounter({
      client: aws.documentClient,
      tableName: resources.tables.velocity,
    });
    const sender = new MessageSender({
      subAccount: { id: 'limited', maxParts: 10, respIdFormat: 'text', velocityLimits: limits },
      store: new DynamoDbMessageStore({
        client: aws.documentClient,
        tables: { messages: resources.tables.messages, correlation: resources.tables.correlation },
      }),
      velocity: {
        count: (...args) => {
          transactions += 1;
          return counter.count(...args);
        },
      },
      // No bind: the message waits, after the point where it would have been counted.
      pool: new BindPool({ subAccount: 'limited' }),
      workerId: 'velocity-api-worker',
    });
    const disposition = await sender.handle(
      {
        sqsMessageId: 'sqs-1',
        queueUrl: queueOf('limited'),
        body: queued?.body ?? '',
        attributes: Object.fromEntries(
          Object.entries(queued?.attributes ?? {}).flatMap(([name, value]) =>
            value === undefined ? [] : [[name, value]],
          ),
        ),
        receiveCount: 1,
      },
      new AbortController().signal,
    );
    expect(disposition.outcome).toBe('waiting');
    expect(transactions).toBe(0);
    expect(await destinationHourCount(to)).toBe(1);
  });

  it('rejects the batch items over a limit with rate_limited and accepts the rest', async () => {
    const to = '+6592220004';
    const answer = await api().post('/messages/batch', {
      messages: [
        { ...send, subAccount: 'limited', to, text: 'a' },
        { ...send, subAccount: 'limited', to, text: 'b' },
        { ...send, subAccount: 'limited', to, text: 'c' },
        { ...send, subAccount: 'free', to, text: 'd' },
      ],
    });
    expect(answer.status).toBe(200);
    const batch = batchResponseSchema.parse(answer.json);
    expect(batch).toMatchObject({ accepted: 3, rejected: 1 });
    expect(batch.results[2]).toMatchObject({
      result: 'rejected',
      code: 'rate_limited',
      errors: [{ field: 'to' }],
    });
    const retryAfter = Number(answer.headers.get('retry-after'));
    expect(batch.results[2]).toMatchObject({ retryAfterSeconds: retryAfter });
    expect(await api().drain(queueOf('limited'))).toHaveLength(2);
    expect(await api().drain(queueOf('free'))).toHaveLength(1);
  });

  it('answers 429 naming the daily cap once the sub-account’s day is used up', async () => {
    // 2 + 1 + 1 + 2 counted so far: the cap of 6 is reached.
    const refused = await api().post('/messages', { ...send, subAccount: 'limited', to: '+6592220005' });
    expect(refused.status).toBe(429);
    expect(errorResponseSchema.parse(refused.json).errors?.[0]?.message).toContain(
      'velocityLimits.perSubAccountPerDay (6 per sub-account per day)',
    );
  });

  it('counts nothing for a sub-account without limits', async () => {
    expect((await api().post('/messages', { ...send, subAccount: 'free', to: '+6592220006' })).status).toBe(
      202,
    );
    const { Items } = await api().aws.documentClient.send(
      new ScanCommand({ TableName: api().resources.tables.velocity }),
    );
    expect((Items ?? []).filter((item) => String(item.pk).startsWith('VEL#free#'))).toEqual([]);
    await api().drain(queueOf('free'));
  });
});
