import { describe, expect, it } from 'vitest';
import { parseSendRequest, type SendRequest } from '../../../core/sendRequest.js';
import { type AcceptInput, acceptMessage, acceptMessages } from '../../../lambdas/shared/acceptMessages.js';
import { IdempotencyConflictError, QueueUnavailableError } from '../../../lambdas/shared/errors.js';
import { acceptDepsWith, FakeMessageStore, FakeSendQueue } from './fakes.js';

function request(input: Record<string, unknown> = {}): SendRequest {
  const parsed = parseSendRequest({
    subAccount: 'acme',
    to: '+6591234567',
    from: 'ACME',
    text: 'hi',
    ...input,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.request;
}

function input(messageId: string, overrides: Record<string, unknown> = {}): AcceptInput {
  return {
    messageId,
    request: request(overrides),
    plan: { encoding: 'GSM7', totalParts: 1 },
    correlationId: 'req',
  };
}

describe('acceptMessage', () => {
  it('records before it queues, and answers accepted', async () => {
    const store = new FakeMessageStore();
    const queue = new FakeSendQueue();
    const accepted = await acceptMessage(acceptDepsWith(store, queue), input('m1'));
    expect(accepted).toEqual({
      messageId: 'm1',
      status: 'accepted',
      encoding: 'GSM7',
      parts: 1,
      replayed: false,
    });
    expect(store.items.get('m1')?.status).toBe('accepted');
    expect(queue.sent.map((sent) => [sent.queueUrl, sent.message.messageId])).toEqual([
      ['https://sqs.local/acme', 'm1'],
    ]);
  });

  it('on a queue failure without a key, removes the record (the retry gets a new id) and throws retryable', async () => {
    const store = new FakeMessageStore();
    const queue = new FakeSendQueue();
    queue.failingQueues.add('https://sqs.local/acme');
    await expect(acceptMessage(acceptDepsWith(store, queue), input('m1'))).rejects.toBeInstanceOf(
      QueueUnavailableError,
    );
    expect(store.items.has('m1')).toBe(false);
  });

  it('on a queue failure with a key, keeps the record so the retry meets it and queues it then', async () => {
    const store = new FakeMessageStore();
    const queue = new FakeSendQueue();
    queue.failingQueues.add('https://sqs.local/acme');
    const keyed = input('k1', { idempotencyKey: 'key' });
    await expect(acceptMessage(acceptDepsWith(store, queue), keyed)).rejects.toBeInstanceOf(
      QueueUnavailableError,
    );
    expect(store.items.get('k1')?.status).toBe('accepted');
    queue.failingQueues.clear();
    expect(await acceptMessage(acceptDepsWith(store, queue), keyed)).toMatchObject({
      status: 'accepted',
      replayed: true,
    });
    expect(queue.sent).toHaveLength(1);
  });

  it('does not queue again a record a worker has already taken', async () => {
    const store = new FakeMessageStore();
    const queue = new FakeSendQueue();
    const keyed = input('k1', { idempotencyKey: 'key' });
    await acceptMessage(acceptDepsWith(store, queue), keyed);
    store.items.set('k1', { ...store.items.get('k1'), status: 'delivered' });
    expect(await acceptMessage(acceptDepsWith(store, queue), keyed)).toMatchObject({
      status: 'delivered',
      replayed: true,
    });
    expect(queue.sent).toHaveLength(1);
  });

  it('refuses a different request under the same id', async () => {
    const store = new FakeMessageStore();
    const queue = new FakeSendQueue();
    await acceptMessage(acceptDepsWith(store, queue), input('k1', { idempotencyKey: 'key' }));
    await expect(
      acceptMessage(acceptDepsWith(store, queue), input('k1', { idempotencyKey: 'key', text: 'other' })),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(queue.sent).toHaveLength(1);
  });
});

describe('acceptMessages', () => {
  it('gives each input its own outcome, in order, and batches per queue', async () => {
    const store = new FakeMessageStore();
    const queue = new FakeSendQueue();
    queue.failingQueues.add('https://sqs.local/beta');
    await acceptMessage(acceptDepsWith(store, queue), input('k1', { idempotencyKey: 'key' }));
    const outcomes = await acceptMessages(acceptDepsWith(store, queue), [
      input('a1'),
      input('b1', { subAccount: 'beta' }),
      input('k1', { idempotencyKey: 'key', text: 'changed' }),
      input('a2'),
      input('b2', { subAccount: 'beta', idempotencyKey: 'kb' }),
    ]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual([
      'accepted',
      'failed',
      'conflict',
      'accepted',
      'failed',
    ]);
    expect(outcomes[1]).toMatchObject({ code: 'queue', retryable: true });
    expect(queue.batchCalls).toEqual(
      expect.arrayContaining([
        { queueUrl: 'https://sqs.local/acme', size: 2 },
        { queueUrl: 'https://sqs.local/beta', size: 2 },
      ]),
    );
    // The unkeyed failure is removed; the keyed one stays for its retry.
    expect(store.deleted).toEqual(['b1']);
    expect(store.items.has('b2')).toBe(true);
  });

  it('reports storage failures per item as retryable', async () => {
    const store = new FakeMessageStore();
    store.failCreate = true;
    const outcomes = await acceptMessages(acceptDepsWith(store, new FakeSendQueue()), [input('a1')]);
    expect(outcomes).toEqual([
      { kind: 'failed', code: 'storage', retryable: true, reason: 'DynamoDB PutItem failed' },
    ]);
  });
});
