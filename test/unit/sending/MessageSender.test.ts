import { describe, expect, it } from 'vitest';
import { detailTypes } from '../../../core/events.js';
import { messageIdForIdempotencyKey, sqsMessageAttributes } from '../../../core/messageId.js';
import { ConcatReferenceCounter } from '../../../worker/encoding/ConcatReferenceCounter.js';
import { BindPool } from '../../../worker/sending/BindPool.js';
import { MessageSender, type MessageSenderOptions } from '../../../worker/sending/MessageSender.js';
import type { SendQueueMessage } from '../../../worker/sending/SendPlanner.js';
import { SmppResponseTimeoutError } from '../../../worker/smpp/errors.js';
import { InMemorySuppressionList } from '../guardrails/InMemorySuppressionList.js';
import { InMemoryVelocityCounter } from '../guardrails/InMemoryVelocityCounter.js';
import { inMemoryMessageStore } from '../records/InMemoryRecordTables.js';
import { accepted, FakeBind, refused } from './FakeBind.js';

const now = 1_000_000;

function setUp(overrides: Partial<MessageSenderOptions> = {}) {
  const { store, tables } = inMemoryMessageStore();
  // What subscribers get: the events the table's stream publishes for the writes made.
  const publisher = {
    published: tables.announced,
    detailTypes: () => tables.announced.map((event) => event.detailType),
  };
  const pool = new BindPool({ subAccount: 'acme' });
  const bind = new FakeBind('b1');
  pool.add(bind);
  const sender = new MessageSender({
    subAccount: { id: 'acme', maxParts: 5, respIdFormat: 'text' },
    store,
    pool,
    workerId: 'worker-1',
    retryInitialMs: 1,
    retryMaxMs: 2,
    lateResponseGraceMs: 5,
    concatReferences: new ConcatReferenceCounter({ startReference: () => 17 }),
    now: () => now,
    ...overrides,
  });
  // `store` here is the fake tables, for the tests to look at and fail.
  return { store: tables, recording: store, publisher, pool, bind, sender };
}

let sqsCounter = 0;
function message(body: unknown, extra: Partial<SendQueueMessage> = {}): SendQueueMessage {
  sqsCounter += 1;
  return {
    sqsMessageId: `sqs-${sqsCounter}`,
    queueUrl: 'https://sqs/acme',
    body: JSON.stringify(body),
    attributes: {},
    receiveCount: 1,
    ...extra,
  };
}

const request = { subAccount: 'acme', to: '+6591234567', from: 'ACME', text: 'Your code is 1234' };
const signal = new AbortController().signal;

describe('MessageSender validity', () => {
  it('never submits a message whose validity ran out while it was queued, counted from its SQS SentTimestamp', async () => {
    const { sender, bind, store, publisher } = setUp();
    const disposition = await sender.handle(
      message({ ...request, validityPeriod: 60 }, { sentAt: now - 60_000 }),
      signal,
    );
    expect(disposition).toEqual({ action: 'delete', outcome: 'expired' });
    expect(bind.submitted).toEqual([]);
    expect([...store.records.values()][0]).toMatchObject({
      status: 'expired',
      reason: 'expired-before-submit',
      createdAt: now - 60_000,
    });
    expect(publisher.published.map((event) => event.detail)).toMatchObject([
      {
        reason: 'expired-before-submit',
        eventType: 'TEXT_TTL_EXPIRED',
        messageStatus: 'EXPIRED',
        isFinal: true,
      },
    ]);
  });

  it('sends a message still within its validity with the absolute time from its acceptance, not from now', async () => {
    const { sender, bind } = setUp();
    await sender.handle(message({ ...request, validityPeriod: 60 }, { sentAt: now - 59_000 }), signal);
    // Accepted at 00:15:41 (now is 00:16:40), so valid until 00:16:41.
    expect(bind.submitted.map((p) => p.validityPeriod)).toEqual(['700101001641000+']);
  });

  it('finishes a long message whose first part went out even when its validity passes before the rest', async () => {
    let clock = now;
    const { sender, bind, store } = setUp({ now: () => clock, maxSubmitAttempts: 1 });
    bind.answers.push(accepted('p1'), refused(0x08, 'ESME_RSYSERR', true));
    const body = { ...request, text: 'x'.repeat(300), validityPeriod: 60 };
    const first = await sender.handle(message(body, { sqsMessageId: 'long-1' }), signal);
    expect(first.action).toBe('retry');
    clock = now + 120_000;
    const second = await sender.handle(message(body, { sqsMessageId: 'long-1', receiveCount: 2 }), signal);
    expect(second).toEqual({ action: 'delete', outcome: 'submitted' });
    expect([...store.records.values()][0]?.status).toBe('submitted');
    expect(bind.submitted).toHaveLength(3);
    expect(new Set(bind.submitted.map((p) => p.validityPeriod))).toEqual(new Set(['700101001740000+']));
  });
});

describe('MessageSender velocity limits', () => {
  const velocityLimits = { perDestinationPerHour: 1 };
  const limited = { id: 'acme', maxParts: 5, respIdFormat: 'text' as const, velocityLimits };

  it('counts a message once, though its first delivery found no bind and a second sent it', async () => {
    const velocity = new InMemoryVelocityCounter();
    const { sender, pool, bind, store } = setUp({ subAccount: limited, velocity });
    pool.remove(bind);
    const id = 'velocity-once';
    const first = await sender.handle(
      message(request, { attributes: { [sqsMessageAttributes.messageId]: id } }),
      signal,
    );
    expect(first.outcome).toBe('waiting');
    pool.add(bind);
    const second = await sender.handle(
      message(request, { attributes: { [sqsMessageAttributes.messageId]: id }, receiveCount: 2 }),
      signal,
    );
    expect(second.outcome).toBe('submitted');
    expect(bind.submitted).toHaveLength(1);
    expect(store.records.get(id)?.status).toBe('submitted');
    expect([...velocity.items.values()]).toEqual([1, 1]);
  });

  it('refuses a message over the limit: failed with reason rate-limited-destination, SMS Failed, nothing submitted', async () => {
    const velocity = new InMemoryVelocityCounter();
    const { sender, bind, publisher } = setUp({ subAccount: limited, velocity });
    await sender.handle(message(request), signal);
    const refused = await sender.handle(message({ ...request, text: 'again' }), signal);
    expect(refused.outcome).toBe('refused');
    expect(bind.submitted).toHaveLength(1);
    const failed = publisher.published.filter((event) => event.detailType === detailTypes.failed);
    expect(failed.map((event) => event.detail)).toMatchObject([{ reason: 'rate-limited-destination' }]);
  });

  it('lets the claim go when counting fails, so the next delivery sends it, not in doubt (even at-most-once)', async () => {
    const counter = new InMemoryVelocityCounter();
    let failures = 1;
    const velocity = {
      count: (...args: Parameters<InMemoryVelocityCounter['count']>) => {
        if (failures-- > 0) return Promise.reject(new Error('DynamoDB unavailable'));
        return counter.count(...args);
      },
    };
    const { sender, bind, store } = setUp({ subAccount: limited, velocity, inDoubtPolicy: 'at-most-once' });
    const attributes = { [sqsMessageAttributes.messageId]: 'velocity-failed-once' };
    await expect(sender.handle(message(request, { attributes }), signal)).rejects.toThrow(
      'DynamoDB unavailable',
    );
    const again = await sender.handle(message(request, { attributes, receiveCount: 2 }), signal);
    expect(again.outcome).toBe('submitted');
    expect(bind.submitted).toHaveLength(1);
    expect(store.records.get('velocity-failed-once')?.parts.map((part) => part.inDoubt)).toEqual([undefined]);
  });

  it('makes no call for a sub-account without limits', async () => {
    const velocity = new InMemoryVelocityCounter();
    const { sender, bind } = setUp({ velocity });
    await sender.handle(message(request), signal);
    await sender.handle(message(request), signal);
    expect(velocity.calls).toBe(0);
    expect(bind.submitted).toHaveLength(2);
  });

  it('refuses to start with limits and no counter', () => {
    expect(() => setUp({ subAccount: limited })).toThrow(
      'has velocityLimits but no velocity counter was given',
    );
  });
});

describe('MessageSender guardrails', () => {
  const optOuts = { stopKeywords: ['STOP'] };

  it('reads the suppression list once per message for a sub-account with optOuts, and sends when clear', async () => {
    const suppressions = new InMemorySuppressionList();
    const { sender, bind } = setUp({
      subAccount: { id: 'acme', maxParts: 5, respIdFormat: 'text', optOuts },
      suppressions,
    });
    await sender.handle(message(request), signal);
    await sender.handle(message({ ...request, to: '+6591234568' }), signal);
    expect(suppressions.finds).toBe(2);
    expect(bind.submitted).toHaveLength(2);
  });

  it('never reads the list for a sub-account without optOuts', async () => {
    const suppressions = new InMemorySuppressionList();
    await suppressions.add({ subAccount: 'acme', phoneNumber: request.to, source: 'api', optedOutAt: 1 });
    const { sender, bind } = setUp({ suppressions });
    await sender.handle(message(request), signal);
    expect(suppressions.finds).toBe(0);
    expect(bind.submitted).toHaveLength(1);
  });

  it('refuses a suppressed number: failed with reason opted-out, SMS Failed, nothing submitted', async () => {
    const suppressions = new InMemorySuppressionList();
    await suppressions.add({ subAccount: 'acme', phoneNumber: request.to, source: 'api', optedOutAt: 1 });
    const { sender, bind, store, publisher } = setUp({
      subAccount: { id: 'acme', maxParts: 5, respIdFormat: 'text', optOuts },
      suppressions,
    });
    const disposition = await sender.handle(message({ ...request, idempotencyKey: 'k-out' }), signal);
    expect(disposition).toEqual({ action: 'delete', outcome: 'refused' });
    expect(store.records.get(messageIdForIdempotencyKey('acme', 'k-out'))).toMatchObject({
      status: 'failed',
      reason: 'opted-out',
      errorCode: 'OPTED_OUT',
    });
    expect(publisher.detailTypes()).toEqual([detailTypes.failed]);
    expect(bind.submitted).toHaveLength(0);
  });

  it('ends failed a record the API accepted before its number opted out, and submits nothing', async () => {
    const suppressions = new InMemorySuppressionList();
    const { sender, bind, store, publisher } = setUp({
      subAccount: { id: 'acme', maxParts: 5, respIdFormat: 'text', optOuts },
      suppressions,
    });
    const messageId = '3f1c0b6e-8d5a-4c1e-9b2f-7a6d5e4c3b2a';
    store.records.set(messageId, {
      messageId,
      subAccount: 'acme',
      to: request.to,
      from: request.from,
      context: {},
      status: 'accepted',
      parts: [],
      createdAt: now - 1_000,
      updatedAt: now - 1_000,
      version: 1,
    });
    await suppressions.add({ subAccount: 'acme', phoneNumber: request.to, source: 'api', optedOutAt: now });
    const disposition = await sender.handle(
      message(request, { attributes: { [sqsMessageAttributes.messageId]: messageId } }),
      signal,
    );
    expect(disposition).toEqual({ action: 'delete', outcome: 'refused' });
    expect(store.records.get(messageId)).toMatchObject({ status: 'failed', reason: 'opted-out' });
    expect(publisher.detailTypes()).toEqual([detailTypes.failed]);
    expect(bind.submitted).toHaveLength(0);
  });

  it('refuses a blocked destination without reading the suppression list', async () => {
    const suppressions = new InMemorySuppressionList();
    const { sender, bind } = setUp({
      subAccount: {
        id: 'acme',
        maxParts: 5,
        respIdFormat: 'text',
        optOuts,
        destinationRule: { kind: 'allow', prefixes: ['44'] },
      },
      suppressions,
    });
    expect(await sender.handle(message(request), signal)).toEqual({ action: 'delete', outcome: 'refused' });
    expect(suppressions.finds).toBe(0);
    expect(bind.submitted).toHaveLength(0);
  });

  it('refuses to be built with optOuts but no suppression list', () => {
    expect(() => setUp({ subAccount: { id: 'acme', maxParts: 5, respIdFormat: 'text', optOuts } })).toThrow(
      /has optOuts but no suppression list/,
    );
  });
});

describe('MessageSender', () => {
  it('sends a message, records its SMSC id, publishes SMS Submitted and deletes it', async () => {
    const { sender, store, publisher, bind } = setUp();
    const disposition = await sender.handle(message({ ...request, idempotencyKey: 'k-1' }), signal);
    expect(disposition).toEqual({ action: 'delete', outcome: 'submitted' });
    const record = store.records.get(messageIdForIdempotencyKey('acme', 'k-1'));
    expect(record).toMatchObject({
      status: 'submitted',
      parts: [{ smscMessageId: 'b1-1', status: 'submitted' }],
    });
    expect(publisher.detailTypes()).toEqual([detailTypes.submitted]);
    expect(bind.submitted[0]).toMatchObject({
      sourceAddr: 'ACME',
      sourceAddrTon: 5,
      destinationAddr: '6591234567',
      registeredDelivery: 1,
    });
  });

  it('splits a long text into parts sharing one concatenation reference', async () => {
    const { sender, bind } = setUp();
    await sender.handle(message({ ...request, text: 'x'.repeat(300), validityPeriod: 3600 }), signal);
    expect(bind.submitted).toHaveLength(2);
    expect(bind.submitted.map((p) => [...p.shortMessage.subarray(0, 6)])).toEqual([
      [5, 0, 3, 17, 2, 1],
      [5, 0, 3, 17, 2, 2],
    ]);
    // Acceptance (1970-01-01T00:16:40Z, the fake clock) + 1 h, as absolute time, on every part.
    expect(bind.submitted.map((p) => p.validityPeriod)).toEqual(['700101011640000+', '700101011640000+']);
  });

  it('records an invalid body as failed with a validation event and deletes it, without sending', async () => {
    const { sender, store, publisher, bind } = setUp();
    const disposition = await sender.handle(message({ ...request, to: 'nope' }), signal);
    expect(disposition).toEqual({ action: 'delete', outcome: 'invalid' });
    expect([...store.records.values()][0]).toMatchObject({ status: 'failed', reason: 'validation' });
    expect(publisher.published[0]?.detail).toMatchObject({ reason: 'validation' });
    expect(bind.submitted).toEqual([]);
  });

  it('never records a message submitted after it was delivered, when its receipt came first and time runs on', async () => {
    let clock = now;
    const { sender, store, recording } = setUp({ now: () => (clock += 700) });
    // 8x8's receipt for the id the bind will get (b1-1) is kept before the submission is recorded.
    await recording.applyReceipt({
      subAccount: 'acme',
      receipt: {
        smscMessageId: 'b1-1',
        rawMessageId: 'b1-1',
        state: 'delivered',
        final: true,
        errorCode: '0',
        source: 'text',
      },
      now: clock,
    });
    await sender.handle(message({ ...request, idempotencyKey: 'early-receipt' }), signal);
    const record = store.records.get(messageIdForIdempotencyKey('acme', 'early-receipt'));
    expect(record?.status).toBe('delivered');
    expect(record?.submittedAt).toBeDefined();
    expect(record?.submittedAt).toBeLessThanOrEqual(record?.finalAt ?? 0);
  });

  it('sends one SMS for the same idempotency key twice, even at the same moment', async () => {
    const { sender, bind, publisher } = setUp();
    const body = { ...request, idempotencyKey: 'once' };
    const results = await Promise.all([
      sender.handle(message(body), signal),
      sender.handle(message(body), signal),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['duplicate', 'submitted']);
    expect(results.every((r) => r.action === 'delete')).toBe(true);
    expect(bind.submitted).toHaveLength(1);
    expect(publisher.published).toHaveLength(1);
  });

  it('records a reused idempotency key with a different request as failed with its own event, sending nothing more', async () => {
    const { sender, store, publisher, bind } = setUp();
    const first = { ...request, idempotencyKey: 'order-9', clientReference: 'first' };
    await sender.handle(message(first), signal);
    const conflicting = message({ ...first, text: 'Another code: 9999', clientReference: 'second' });
    expect(await sender.handle(conflicting, signal)).toEqual({ action: 'delete', outcome: 'invalid' });
    // Redelivered: finds its own record done and publishes nothing again.
    expect(await sender.handle({ ...conflicting, receiveCount: 2 }, signal)).toMatchObject({
      action: 'delete',
    });

    expect(bind.submitted).toHaveLength(1);
    expect(store.records.get(messageIdForIdempotencyKey('acme', 'order-9'))).toMatchObject({
      status: 'submitted',
      clientReference: 'first',
    });
    const failed = publisher.published.filter((event) => event.detailType === detailTypes.failed);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatchObject({
      reason: 'idempotency-conflict',
      eventType: 'TEXT_INVALID',
      messageStatus: 'INVALID',
      clientReference: 'second',
      idempotencyKey: 'order-9',
      messageStatusDescription: expect.stringContaining(messageIdForIdempotencyKey('acme', 'order-9')),
    });
    expect(store.records.get(String(failed[0]?.detail.messageId))).toMatchObject({
      status: 'failed',
      reason: 'idempotency-conflict',
    });
  });

  it('records a final refusal as rejected and deletes the message', async () => {
    const { sender, bind, store } = setUp();
    bind.answers.push(refused(0x0b, 'ESME_RINVDSTADR', false));
    expect(await sender.handle(message(request), signal)).toEqual({ action: 'delete', outcome: 'failed' });
    expect([...store.records.values()][0]).toMatchObject({
      status: 'rejected',
      errorCode: 'ESME_RINVDSTADR',
    });
  });

  it('leaves a message whose part keeps being refused for a later delivery, then fails it on the last', async () => {
    const { sender, bind, store } = setUp({ maxReceiveCount: 2 });
    bind.fallback = () => refused(0x14, 'ESME_RMSGQFUL', true);
    const body = { ...request, idempotencyKey: 'busy-smsc' };
    const first = await sender.handle(message(body), signal);
    expect(first).toMatchObject({ action: 'retry', outcome: 'waiting' });
    expect(first.action === 'retry' && first.delaySeconds).toBeGreaterThan(0);
    const id = messageIdForIdempotencyKey('acme', 'busy-smsc');
    expect(store.records.get(id)).toMatchObject({ status: 'submitting', claimExpiresAtMs: 0 });
    const last = await sender.handle(message(body, { receiveCount: 2 }), signal);
    expect(last).toEqual({ action: 'delete', outcome: 'failed' });
    expect(store.records.get(id)).toMatchObject({
      status: 'failed',
      errorCode: 'ESME_RMSGQFUL',
      attempts: 2,
    });
  });

  it('leaves the message for later when no bind is up, without failing it, saying it only waited', async () => {
    const { sender, bind, store } = setUp();
    bind.status = 'connecting';
    const waiting = await sender.handle(message(request), signal);
    const record = [...store.records.values()][0];
    expect(waiting).toEqual({
      action: 'retry',
      delaySeconds: 5,
      outcome: 'waiting',
      // So the consumer does not let the wait use up the queue's receive count (SqsSendConsumer).
      waitedOnly: { messageId: record?.messageId },
    });
    expect(record?.status).toBe('submitting');
  });

  it('does not call a delivery whose part was refused for now a wait: it counts toward the DLQ', async () => {
    const { sender, bind } = setUp();
    for (let attempt = 0; attempt < 5; attempt += 1)
      bind.answers.push(refused(0x58, 'ESME_RTHROTTLED', true));
    const disposition = await sender.handle(message(request), signal);
    expect(disposition).toMatchObject({ action: 'retry', outcome: 'waiting' });
    expect(disposition).not.toHaveProperty('waitedOnly');
  });

  it('says busy while another attempt holds the claim', async () => {
    const { sender, store } = setUp();
    const body = { ...request, idempotencyKey: 'held' };
    const id = messageIdForIdempotencyKey('acme', 'held');
    await store.claim({
      messageId: id,
      initial: {
        messageId: id,
        subAccount: 'acme',
        status: 'submitting',
        parts: [],
        createdAt: 0,
        updatedAt: 0,

        version: 0,
      },
      claimToken: 'other',
      claimOwner: 'worker-2',
      now,
      claimTtlMs: 60_000,
    });
    const disposition = await sender.handle(message(body), signal);
    expect(disposition).toMatchObject({ action: 'retry', outcome: 'busy' });
    expect(disposition.action === 'retry' && disposition.delaySeconds).toBeGreaterThanOrEqual(60);
  });

  it('resends the parts of a message a dead worker left in submitting (at-least-once), naming the doubt', async () => {
    const { sender, store, bind } = setUp();
    const body = { ...request, idempotencyKey: 'orphan' };
    const id = messageIdForIdempotencyKey('acme', 'orphan');
    await store.claim({
      messageId: id,
      initial: {
        messageId: id,
        subAccount: 'acme',
        status: 'submitting',
        parts: [{ partNumber: 1, status: 'submitting' }],
        createdAt: 0,
        updatedAt: 0,

        version: 0,
      },
      claimToken: 'dead',
      claimOwner: 'worker-dead',
      now: now - 120_000,
      claimTtlMs: 60_000,
    });
    expect(await sender.handle(message(body, { receiveCount: 2 }), signal)).toEqual({
      action: 'delete',
      outcome: 'submitted',
    });
    expect(bind.submitted).toHaveLength(1);
    const record = store.records.get(id);
    expect(record).toMatchObject({ status: 'submitted', inDoubt: true, parts: [{ inDoubt: true }] });
    expect(record?.inDoubtReasons?.[0]).toMatch(/worker-dead ended without recording its outcome/);
  });

  it('does not resend a dead worker’s message under at-most-once: unknown, with the reason', async () => {
    const { sender, store, bind, publisher } = setUp({ inDoubtPolicy: 'at-most-once' });
    const body = { ...request, idempotencyKey: 'orphan-2' };
    const id = messageIdForIdempotencyKey('acme', 'orphan-2');
    await store.claim({
      messageId: id,
      initial: {
        messageId: id,
        subAccount: 'acme',
        status: 'submitting',
        parts: [{ partNumber: 1, status: 'submitting' }],
        createdAt: 0,
        updatedAt: 0,

        version: 0,
      },
      claimToken: 'dead',
      claimOwner: 'worker-dead',
      now: now - 120_000,
      claimTtlMs: 60_000,
    });
    expect(await sender.handle(message(body, { receiveCount: 2 }), signal)).toEqual({
      action: 'delete',
      outcome: 'failed',
    });
    expect(bind.submitted).toEqual([]);
    expect(store.records.get(id)).toMatchObject({ status: 'unknown', inDoubt: true, errorCode: 'IN_DOUBT' });
    expect(publisher.published[0]?.detail).toMatchObject({ reason: 'unknown' });
  });

  it('records a late resp that comes while the attempt is still going as the part’s id', async () => {
    const { sender, store, bind } = setUp({ inDoubtPolicy: 'at-most-once' });
    bind.answers.push(
      new SmppResponseTimeoutError({ command: 'submit_sm', sequenceNumber: 3, timeoutMs: 10 }),
    );
    setTimeout(
      () => bind.emit('lateSubmitResponse', { sequenceNumber: 3, commandStatus: 0, messageId: 'late-1' }),
      1,
    );
    const result = await sender.handle(message({ ...request, idempotencyKey: 'late' }), signal);
    expect(result.outcome).toBe('submitted');
    expect(store.records.get(messageIdForIdempotencyKey('acme', 'late'))?.parts[0]).toMatchObject({
      smscMessageId: 'late-1',
      status: 'submitted',
    });
  });

  it('attaches a late resp that comes after the message was recorded', async () => {
    const { sender, store, bind } = setUp({ inDoubtPolicy: 'at-least-once', lateResponseGraceMs: 1 });
    bind.answers.push(
      new SmppResponseTimeoutError({ command: 'submit_sm', sequenceNumber: 4, timeoutMs: 10 }),
      accepted('resent'),
    );
    await sender.handle(message({ ...request, idempotencyKey: 'late-2' }), signal);
    const late = new Promise((resolve) => sender.once('lateResponse', resolve));
    bind.emit('lateSubmitResponse', { sequenceNumber: 4, commandStatus: 0, messageId: 'first-copy' });
    await late;
    await sender.idle();
    const part = store.records.get(messageIdForIdempotencyKey('acme', 'late-2'))?.parts[0];
    expect(part).toMatchObject({
      smscMessageId: 'resent',
      extraSmscMessageIds: ['first-copy'],
      inDoubt: true,
    });
  });

  it('deletes a copy of a message already submitted, announcing nothing more', async () => {
    const { sender, publisher } = setUp();
    const body = { ...request, idempotencyKey: 'again' };
    await sender.handle(message(body), signal);
    expect(await sender.handle(message(body), signal)).toEqual({ action: 'delete', outcome: 'duplicate' });
    expect(publisher.detailTypes()).toEqual([detailTypes.submitted]);
  });

  it('retries writing the record of sent parts, rather than resend them later', async () => {
    const { sender, store, bind } = setUp();
    store.failNext('setSubmission', 2);
    expect(await sender.handle(message(request), signal)).toEqual({ action: 'delete', outcome: 'submitted' });
    expect(bind.submitted).toHaveLength(1);
  });

  it('lets the SQS message come back when the record cannot be written at all', async () => {
    const { sender, store } = setUp({ recordAttempts: 2 });
    store.failNext('setSubmission', 2);
    await expect(sender.handle(message(request), signal)).rejects.toThrow(/setSubmission/);
  });

  it('retries a claim whose answer was lost with the same token, and is not kept out by itself', async () => {
    const { sender, store } = setUp();
    store.loseNextClaimAnswer = true;
    expect(await sender.handle(message(request), signal)).toEqual({ action: 'delete', outcome: 'submitted' });
    expect([...store.records.values()][0]).toMatchObject({ status: 'submitted', attempts: 2 });
    expect([...store.records.values()][0]?.inDoubt).toBeUndefined();
  });

  it('names a bad option, and a processing limit that could outlive the claim', () => {
    expect(() => setUp({ maxSubmitAttempts: 0 })).toThrow(/maxSubmitAttempts/);
    expect(() => setUp({ maxProcessingMs: 70_000, claimTtlMs: 60_000 })).toThrow(/claimTtlMs/);
  });
});

describe('MessageSender with a pool that carries an SQS message id attribute', () => {
  it('uses the API’s message id from the attribute', async () => {
    const { sender, store } = setUp();
    await sender.handle(
      message(request, { attributes: { [sqsMessageAttributes.messageId]: 'api-1' } }),
      signal,
    );
    expect(store.records.get('api-1')?.status).toBe('submitted');
  });
});
