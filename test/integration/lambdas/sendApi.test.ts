/**
 * The send API's handlers over real HTTP (local/httpApi) against the AWS emulator: what a caller sees, and
 * what lands in DynamoDB and on the sub-accounts' SQS queues.
 */
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { apiEnv } from '../../../core/apiEnv.js';
import { messageIdForIdempotencyKey, sqsMessageAttributes } from '../../../core/messageId.js';
import {
  acceptedResponseSchema,
  batchResponseSchema,
  dryRunResponseSchema,
  errorResponseSchema,
  messageRecordSchema,
} from '../../../core/openApi.js';
import { idempotencyKey, messageKey, queueNameFor, retentionSeconds } from '../../../core/tableKeys.js';
import { useSendApi } from './sendApiFixture.js';

const ghostQueueName = queueNameFor('ghost', 'api');
const voidQueueName = queueNameFor('void', 'api');

const api = useSendApi(
  {
    subAccounts: [
      { id: 'acme', password: { env: 'ACME_PASSWORD' }, maxParts: 3 },
      { id: 'beta', password: { env: 'BETA_PASSWORD' } },
    ],
  },
  {
    // Configured, but their queues do not exist (ghost's until a test creates it): SendMessage fails.
    extraSubAccounts: [
      { id: 'ghost', password: { env: 'GHOST_PASSWORD' } },
      { id: 'void', password: { env: 'VOID_PASSWORD' } },
    ],
    env: (resources) => ({
      [apiEnv.sendQueueUrls]: JSON.stringify({
        ...Object.fromEntries(
          Object.entries(resources.sendQueues).map(([id, queue]) => [id, queue.queueUrl]),
        ),
        ghost: resources.sendQueues.acme?.queueUrl.replace(/[^/]+$/, ghostQueueName),
        void: resources.sendQueues.acme?.queueUrl.replace(/[^/]+$/, voidQueueName),
      }),
    }),
  },
);

const send = { subAccount: 'acme', to: '+6591234567', from: 'ACME', text: 'Your code is 123456' };
const queueOf = (subAccount: string) => {
  const queue = api().resources.sendQueues[subAccount];
  if (queue === undefined) throw new Error(`no queue for ${subAccount}`);
  return queue.queueUrl;
};
const messagesTable = () => api().resources.tables.messages;
const idempotencyTable = () => api().resources.tables.idempotency;

async function storedMessage(messageId: string) {
  const { Item } = await api().aws.documentClient.send(
    new GetCommand({ TableName: messagesTable(), Key: messageKey(messageId), ConsistentRead: true }),
  );
  return Item;
}

async function itemCount(tableName: string): Promise<number> {
  const { Count } = await api().aws.documentClient.send(
    new ScanCommand({ TableName: tableName, Select: 'COUNT' }),
  );
  return Count ?? 0;
}

describe('POST /messages', () => {
  it('records the message, queues the request on its sub-account’s queue, then answers 202', async () => {
    const answer = await api().post('/messages', {
      ...send,
      clientReference: 'order-42',
      context: { orderId: '42' },
    });
    expect(answer.status).toBe(202);
    const body = acceptedResponseSchema.parse(answer.json);
    expect(body).toMatchObject({ status: 'accepted', encoding: 'GSM7', parts: 1 });
    expect(body.statusUrl).toBe(`${api().api.url}/messages/${body.messageId}`);
    expect(answer.headers.get('location')).toBe(body.statusUrl);

    const item = await storedMessage(body.messageId);
    expect(item).toMatchObject({
      messageId: body.messageId,
      subAccount: 'acme',
      to: send.to,
      from: send.from,
      text: send.text,
      encoding: 'GSM7',
      totalParts: 1,
      status: 'accepted',
      registeredDelivery: true,
      clientReference: 'order-42',
      context: { orderId: '42' },
      correlationId: answer.headers.get('x-amzn-requestid'),
      source: 'api',
    });
    expect(item?.createdAt).toBeTypeOf('number');
    expect(item?.expiresAt).toBeGreaterThan(Date.now() / 1000 + retentionSeconds.messages - 60);

    const queued = await api().drain(queueOf('acme'));
    expect(queued).toHaveLength(1);
    // The body is the send request exactly as the shared schema defines it: what a direct producer sends.
    expect(JSON.parse(queued[0]?.body ?? '')).toEqual({
      ...send,
      registeredDelivery: true,
      clientReference: 'order-42',
      context: { orderId: '42' },
    });
    expect(queued[0]?.attributes).toEqual({
      [sqsMessageAttributes.messageId]: body.messageId,
      [sqsMessageAttributes.correlationId]: answer.headers.get('x-amzn-requestid'),
    });
    expect(await api().drain(queueOf('beta'))).toEqual([]);
  });

  it('answers the record at the status URL, and 404 for an id nobody used', async () => {
    const accepted = await api().post('/messages', { ...send, subAccount: 'beta', text: 'Grüße – 你好' });
    const { messageId } = acceptedResponseSchema.parse(accepted.json);
    await api().drain(queueOf('beta'));
    const record = await api().get(`/messages/${messageId}`);
    expect(record.status).toBe(200);
    const parsed = messageRecordSchema.parse(record.json);
    expect(parsed).toMatchObject({
      messageId,
      subAccount: 'beta',
      status: 'accepted',
      encoding: 'UCS2',
      totalParts: 1,
      parts: [],
      text: 'Grüße – 你好',
    });
    expect(record.json).not.toHaveProperty('pk');
    expect(record.json).not.toHaveProperty('source');

    const upperCase = await api().get(`/messages/${messageId.toUpperCase()}`);
    expect(upperCase.status).toBe(200);

    const unknown = await api().get('/messages/3f1c0b6e-8d5a-4c1e-9b2f-7a6d5e4c3b2a');
    expect(unknown.status).toBe(404);
    expect(errorResponseSchema.parse(unknown.json).code).toBe('message_not_found');

    const malformed = await api().get('/messages/not-a-message-id');
    expect(malformed.status).toBe(400);
    expect(malformed.json.errors).toEqual([{ field: 'id', message: expect.stringContaining('UUID') }]);
  });

  it('shows what the worker recorded since: parts, SMSC ids, receipt states, error code', async () => {
    const { messageId } = acceptedResponseSchema.parse((await api().post('/messages', send)).json);
    await api().drain(queueOf('acme'));
    const item = await storedMessage(messageId);
    await api().aws.documentClient.send(
      new PutCommand({
        TableName: messagesTable(),
        Item: {
          ...item,
          status: 'undeliverable',
          parts: [
            {
              partNumber: 1,
              status: 'undeliverable',
              smscMessageId: 'abc123',
              receiptStatus: 'UNDELIV',
              receiptErrorCode: '001',
            },
          ],
          errorCode: '001',
          submittedAt: Date.now(),
          finalAt: Date.now(),
          claimToken: 'secret-token',
          version: 3,
          pendingEvents: {},
        },
      }),
    );
    const record = await api().get(`/messages/${messageId}`);
    expect(messageRecordSchema.parse(record.json)).toMatchObject({
      status: 'undeliverable',
      errorCode: '001',
      parts: [{ partNumber: 1, status: 'undeliverable', smscMessageId: 'abc123', receiptStatus: 'UNDELIV' }],
    });
    for (const bookkeeping of ['claimToken', 'version', 'pendingEvents'])
      expect(record.json).not.toHaveProperty(bookkeeping);
  });

  it('lists every bad field in one 400: unknown fields, E.164, sender, empty text', async () => {
    const answer = await api().post('/messages', {
      subAccount: 'acme',
      to: '6591234567',
      from: 'A sender that is far too long',
      text: '',
      colour: 'blue',
    });
    expect(answer.status).toBe(400);
    const body = errorResponseSchema.parse(answer.json);
    expect(body.code).toBe('invalid_request');
    expect(body.errors?.map((error) => error.field).sort()).toEqual(['colour', 'from', 'text', 'to']);
    expect(await itemCount(messagesTable())).toBeGreaterThan(0);
  });

  it('refuses a sub-account the fleet does not have, naming the ones it has', async () => {
    const answer = await api().post('/messages', { ...send, subAccount: 'nobody' });
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([
      { field: 'subAccount', message: 'is not a sub-account of this fleet (known: acme, beta, ghost, void)' },
    ]);
  });

  it('refuses a text longer than the sub-account’s maxParts, and says why it takes so many parts', async () => {
    // 3 parts allowed for acme: 4 UCS-2 parts of 67 characters.
    const text = `${'a'.repeat(200)}😀`;
    const answer = await api().post('/messages', { ...send, text });
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([
      {
        field: 'text',
        message: expect.stringMatching(/^needs 4 SMS parts as UCS2 .* allows at most 3 .*"😀"/),
      },
    ]);
    // The same text is fine for beta (10 parts).
    const beta = await api().post('/messages?dryRun=true', { ...send, subAccount: 'beta', text });
    expect(beta.status).toBe(200);
  });

  it('dry run: answers encoding and parts, records and sends nothing', async () => {
    await api().drain(queueOf('acme'));
    const before = await itemCount(messagesTable());
    const answer = await api().post('/messages?dryRun=true', { ...send, text: 'x'.repeat(161) });
    expect(answer.status).toBe(200);
    expect(dryRunResponseSchema.parse(answer.json)).toEqual({
      dryRun: true,
      subAccount: 'acme',
      encoding: 'GSM7',
      parts: 2,
      units: 161,
      maxParts: 3,
    });
    expect(await itemCount(messagesTable())).toBe(before);
    expect(await api().drain(queueOf('acme'))).toEqual([]);

    const inBody = await api().post('/messages', { ...send, dryRun: true });
    expect(inBody.status).toBe(400);
    expect(inBody.json.errors).toEqual([
      { field: 'dryRun', message: expect.stringContaining('?dryRun=true') },
    ]);
    const badFlag = await api().post('/messages?dryRun=maybe', send);
    expect(badFlag.status).toBe(400);
    expect(badFlag.json.errors).toEqual([{ field: 'dryRun (query)', message: 'must be true or false' }]);
  });
});

describe('POST /messages with an idempotency key', () => {
  it('answers the first answer again for the same key and request, and queues once', async () => {
    await api().drain(queueOf('acme'));
    const request = { ...send, idempotencyKey: 'order-1001' };
    const first = await api().post('/messages', request);
    expect(first.status).toBe(202);
    expect(first.json.messageId).toBe(messageIdForIdempotencyKey('acme', 'order-1001'));
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await api().post('/messages', request);
    expect(again.status).toBe(202);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    // The header means the same as the body field.
    const byHeader = await api().post('/messages', send, { 'Idempotency-Key': 'order-1001' });
    expect(byHeader.status).toBe(202);
    expect(byHeader.json).toEqual(first.json);

    const queued = await api().drain(queueOf('acme'));
    expect(queued).toHaveLength(1);
    expect(JSON.parse(queued[0]?.body ?? '').idempotencyKey).toBe('order-1001');

    // Powertools' record sits in the partition core/tableKeys gives the key, sort key HTTP.
    const { Item } = await api().aws.documentClient.send(
      new GetCommand({
        TableName: idempotencyTable(),
        Key: { ...idempotencyKey('acme', 'order-1001'), sk: 'HTTP' },
      }),
    );
    expect(Item).toMatchObject({ status: 'COMPLETED', response: first.json });
    expect(Item?.expiresAt).toBeGreaterThan(Date.now() / 1000 + retentionSeconds.idempotencyKeys - 60);
  });

  it('answers 409 for the same key with a different request, and sends nothing more', async () => {
    await api().post('/messages', { ...send, idempotencyKey: 'order-1002' });
    await api().drain(queueOf('acme'));
    const changed = await api().post('/messages', {
      ...send,
      text: 'Another text',
      idempotencyKey: 'order-1002',
    });
    expect(changed.status).toBe(409);
    const body = errorResponseSchema.parse(changed.json);
    expect(body.code).toBe('idempotency_key_reused');
    expect(body.error).toContain('different request');
    expect(body.messageId).toBe(messageIdForIdempotencyKey('acme', 'order-1002'));
    expect(await api().drain(queueOf('acme'))).toEqual([]);
  });

  it('keeps keys apart per sub-account', async () => {
    const acme = await api().post('/messages', { ...send, idempotencyKey: 'shared-key' });
    const beta = await api().post('/messages', { ...send, subAccount: 'beta', idempotencyKey: 'shared-key' });
    expect(acme.status).toBe(202);
    expect(beta.status).toBe(202);
    expect(beta.json.messageId).not.toBe(acme.json.messageId);
    await api().drain(queueOf('acme'));
    await api().drain(queueOf('beta'));
  });

  it('refuses a header and a body field that disagree', async () => {
    const answer = await api().post(
      '/messages',
      { ...send, idempotencyKey: 'a' },
      { 'Idempotency-Key': 'b' },
    );
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([
      { field: 'idempotencyKey', message: expect.stringContaining('header') },
    ]);
    const badHeader = await api().post('/messages', send, { 'Idempotency-Key': 'has spaces' });
    expect(badHeader.status).toBe(400);
    expect(badHeader.json.errors).toEqual([
      { field: 'Idempotency-Key (header)', message: expect.any(String) },
    ]);
  });

  it('answers 409 in progress while the first request with the key is still being handled', async () => {
    const request = { ...send, idempotencyKey: 'order-1003' };
    await api().post('/messages', request);
    await api().drain(queueOf('acme'));
    // Put the key's record back in the state a first request leaves it in while it runs.
    const key = { ...idempotencyKey('acme', 'order-1003'), sk: 'HTTP' };
    const { Item } = await api().aws.documentClient.send(
      new GetCommand({ TableName: idempotencyTable(), Key: key }),
    );
    const { response: _response, ...running } = Item ?? {};
    await api().aws.documentClient.send(
      new PutCommand({
        TableName: idempotencyTable(),
        Item: { ...running, status: 'INPROGRESS', inProgressExpiresAtMs: Date.now() + 60_000 },
      }),
    );
    const answer = await api().post('/messages', request);
    expect(answer.status).toBe(409);
    expect(answer.json.code).toBe('idempotency_request_in_progress');
    expect(answer.json.retryable).toBe(true);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(await api().drain(queueOf('acme'))).toEqual([]);
  });

  it('runs again when the first request’s in-progress lock timed out (its Lambda died)', async () => {
    const request = { ...send, idempotencyKey: 'order-1006' };
    const first = await api().post('/messages', request);
    await api().drain(queueOf('acme'));
    const key = { ...idempotencyKey('acme', 'order-1006'), sk: 'HTTP' };
    const { Item } = await api().aws.documentClient.send(
      new GetCommand({ TableName: idempotencyTable(), Key: key }),
    );
    const { response: _response, ...running } = Item ?? {};
    await api().aws.documentClient.send(
      new PutCommand({
        TableName: idempotencyTable(),
        Item: { ...running, status: 'INPROGRESS', inProgressExpiresAtMs: Date.now() - 1_000 },
      }),
    );
    const answer = await api().post('/messages', request);
    expect(answer.status).toBe(202);
    expect(answer.json.messageId).toBe(first.json.messageId);
    // The record was still `accepted`: queued again, which the worker's claim by id makes harmless.
    expect(await api().drain(queueOf('acme'))).toHaveLength(1);
  });

  it('after the HTTP answer is gone, the record still keeps the key to one message', async () => {
    const request = { ...send, idempotencyKey: 'order-1004' };
    const first = await api().post('/messages', request);
    await api().drain(queueOf('acme'));
    const { messageId } = acceptedResponseSchema.parse(first.json);
    // As if the idempotency item had expired, and the worker had submitted the message meanwhile.
    await api().aws.documentClient.send(
      new DeleteCommand({
        TableName: idempotencyTable(),
        Key: { ...idempotencyKey('acme', 'order-1004'), sk: 'HTTP' },
      }),
    );
    const item = await storedMessage(messageId);
    await api().aws.documentClient.send(
      new PutCommand({ TableName: messagesTable(), Item: { ...item, status: 'submitted' } }),
    );

    const replay = await api().post('/messages', request);
    expect(replay.status).toBe(202);
    expect(replay.json).toMatchObject({ messageId, status: 'submitted' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    // Past `accepted`, a worker has had it: nothing is queued again.
    expect(await api().drain(queueOf('acme'))).toEqual([]);

    const conflict = await api().post('/messages', { ...request, to: '+6599999999' });
    expect(conflict.status).toBe(409);
    expect(conflict.json.code).toBe('idempotency_key_reused');
  });

  it('meets a message the worker recorded from SQS under the same key', async () => {
    const messageId = messageIdForIdempotencyKey('acme', 'order-1005');
    await api().aws.documentClient.send(
      new PutCommand({
        TableName: messagesTable(),
        Item: {
          ...messageKey(messageId),
          messageId,
          subAccount: 'acme',
          to: send.to,
          from: send.from,
          idempotencyKey: 'order-1005',
          status: 'delivered',
          encoding: 'GSM7',
          totalParts: 1,
          parts: [{ partNumber: 1, status: 'delivered', smscMessageId: 'x1' }],
          createdAt: Date.now(),
          updatedAt: Date.now(),
        },
      }),
    );
    const answer = await api().post('/messages', { ...send, idempotencyKey: 'order-1005' });
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ messageId, status: 'delivered' });
    expect(await api().drain(queueOf('acme'))).toEqual([]);
  });
});

describe('POST /messages when SQS fails', () => {
  it('answers 503 retryable, and the same request with the same key succeeds once the queue is back', async () => {
    const request = { ...send, subAccount: 'ghost', idempotencyKey: 'order-2001' };
    const failed = await api().post('/messages', request);
    expect(failed.status).toBe(503);
    expect(errorResponseSchema.parse(failed.json)).toMatchObject({
      code: 'queue_unavailable',
      retryable: true,
    });
    expect(failed.headers.get('retry-after')).toBe('1');
    const messageId = messageIdForIdempotencyKey('ghost', 'order-2001');
    // The record stays (keyed: the retry meets it); the failed run's in-progress lock does not.
    expect((await storedMessage(messageId))?.status).toBe('accepted');

    const created = await api().aws.sqs.send(new CreateQueueCommand({ QueueName: ghostQueueName }));
    const retried = await api().post('/messages', request);
    expect(retried.status).toBe(202);
    expect(retried.json.messageId).toBe(messageId);
    const queued = await api().drain(created.QueueUrl ?? '');
    expect(queued).toHaveLength(1);
    expect(queued[0]?.attributes[sqsMessageAttributes.messageId]).toBe(messageId);
  });
});

describe('POST /messages/batch', () => {
  it('accepts the good items, rejects the bad ones each with its reasons, and queues per sub-account in tens', async () => {
    await api().drain(queueOf('acme'));
    await api().drain(queueOf('beta'));
    const items = [
      ...Array.from({ length: 12 }, (_, index) => ({ ...send, text: `acme ${index}` })),
      { ...send, to: 'not a number' },
      ...Array.from({ length: 11 }, (_, index) => ({ ...send, subAccount: 'beta', text: `beta ${index}` })),
      { ...send, subAccount: 'nobody', extra: 1 },
      { ...send, text: 'y'.repeat(1000) },
    ];
    const answer = await api().post('/messages/batch', { messages: items });
    expect(answer.status).toBe(200);
    const body = batchResponseSchema.parse(answer.json);
    expect(body).toMatchObject({ dryRun: false, accepted: 23, rejected: 3, failed: 0 });
    expect(body.results.map((result) => result.index)).toEqual(items.map((_, index) => index));
    expect(body.results[12]).toMatchObject({
      result: 'rejected',
      code: 'invalid_request',
      errors: [{ field: 'to' }],
    });
    expect(body.results[24]).toMatchObject({
      result: 'rejected',
      errors: [{ field: 'extra' }, { field: 'subAccount' }],
    });
    expect(body.results[25]).toMatchObject({ result: 'rejected', errors: [{ field: 'text' }] });

    const acme = await api().drain(queueOf('acme'));
    const beta = await api().drain(queueOf('beta'));
    expect(acme.map((message) => JSON.parse(message.body).text).sort()).toEqual(
      Array.from({ length: 12 }, (_, index) => `acme ${index}`).sort(),
    );
    expect(beta).toHaveLength(11);
    for (const result of body.results) {
      if (result.result !== 'accepted') continue;
      expect(result.statusUrl).toBe(`${api().api.url}/messages/${result.messageId}`);
      expect((await storedMessage(result.messageId))?.status).toBe('accepted');
    }
    const attributeIds = [...acme, ...beta].map(
      (message) => message.attributes[sqsMessageAttributes.messageId],
    );
    expect(new Set(attributeIds).size).toBe(23);
  });

  it('answers duplicates of one key as one message, and a changed request under it as rejected', async () => {
    await api().drain(queueOf('acme'));
    const keyed = { ...send, idempotencyKey: 'batch-3001' };
    const answer = await api().post('/messages/batch', {
      messages: [keyed, keyed, { ...keyed, text: 'changed' }],
    });
    const body = batchResponseSchema.parse(answer.json);
    const messageId = messageIdForIdempotencyKey('acme', 'batch-3001');
    expect(body.results).toEqual([
      expect.objectContaining({ result: 'accepted', messageId }),
      expect.objectContaining({ result: 'accepted', messageId, replayed: true }),
      expect.objectContaining({ result: 'rejected', code: 'idempotency_key_reused', messageId }),
    ]);
    expect(await api().drain(queueOf('acme'))).toHaveLength(1);

    // The key is spent across requests too: a later batch (or POST /messages) meets the same record.
    const later = await api().post('/messages/batch', { messages: [keyed] });
    expect(later.json.results).toEqual([
      expect.objectContaining({ result: 'accepted', messageId, replayed: true }),
    ]);
    const single = await api().post('/messages', keyed);
    expect(single.json.messageId).toBe(messageId);
  });

  it('validates only on a dry run', async () => {
    const before = await itemCount(messagesTable());
    const answer = await api().post('/messages/batch?dryRun=true', {
      messages: [send, { ...send, text: '' }],
    });
    const body = batchResponseSchema.parse(answer.json);
    expect(body).toMatchObject({ dryRun: true, accepted: 0, rejected: 1, failed: 0 });
    expect(body.results[0]).toMatchObject({ result: 'valid', encoding: 'GSM7', parts: 1 });
    expect(await itemCount(messagesTable())).toBe(before);
  });

  it('refuses an envelope that is not { messages: [1..100] }', async () => {
    for (const envelope of [
      [send],
      { messages: [] },
      { messages: Array(101).fill(send) },
      { items: [send] },
    ]) {
      const answer = await api().post('/messages/batch', envelope);
      expect(answer.status).toBe(400);
      expect(errorResponseSchema.parse(answer.json).errors?.length).toBeGreaterThan(0);
    }
    const withHeader = await api().post('/messages/batch', { messages: [send] }, { 'Idempotency-Key': 'k' });
    expect(withHeader.status).toBe(400);
  });
});

describe('POST /messages/batch when SQS fails', () => {
  it('reports the items of the failing queue as failed and retryable, and queues the rest', async () => {
    await api().drain(queueOf('acme'));
    const answer = await api().post('/messages/batch', {
      messages: [
        { ...send, text: 'to acme' },
        { ...send, subAccount: 'void', text: 'no key' },
        { ...send, subAccount: 'void', text: 'with key', idempotencyKey: 'batch-4001' },
      ],
    });
    expect(answer.status).toBe(200);
    const body = batchResponseSchema.parse(answer.json);
    expect(body).toMatchObject({ accepted: 1, rejected: 0, failed: 2 });
    expect(body.results[0]).toMatchObject({ result: 'accepted' });
    expect(body.results[1]).toEqual({
      index: 1,
      result: 'failed',
      code: 'queue_unavailable',
      error: expect.any(String),
      retryable: true,
    });
    const keyedId = messageIdForIdempotencyKey('void', 'batch-4001');
    expect(body.results[2]).toMatchObject({ result: 'failed', retryable: true, messageId: keyedId });
    expect(await api().drain(queueOf('acme'))).toHaveLength(1);
    // The keyed record stays for its retry; the unkeyed one is removed (its retry gets a new id).
    expect((await storedMessage(keyedId))?.status).toBe('accepted');
    expect(await voidRecordsWithoutKey()).toEqual([]);
  });
});

describe('POST /messages without a key when SQS fails', () => {
  it('answers 503 retryable and leaves no orphan record behind', async () => {
    const answer = await api().post('/messages', { ...send, subAccount: 'void', text: 'single, no key' });
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ code: 'queue_unavailable', retryable: true });
    expect(answer.json.error).toContain('idempotencyKey');
    expect(await voidRecordsWithoutKey()).toEqual([]);
  });
});

async function voidRecordsWithoutKey(): Promise<unknown[]> {
  const { Items } = await api().aws.documentClient.send(
    new ScanCommand({
      TableName: messagesTable(),
      FilterExpression: 'subAccount = :void AND attribute_not_exists(idempotencyKey)',
      ExpressionAttributeValues: { ':void': 'void' },
    }),
  );
  return Items ?? [];
}
