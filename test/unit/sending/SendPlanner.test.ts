import { describe, expect, it } from 'vitest';
import { detailTypes, eventDetailSchemas } from '../../../core/events.js';
import {
  messageIdForIdempotencyKey,
  messageIdForSqsMessage,
  sqsMessageAttributes,
} from '../../../core/messageId.js';
import { eventsOfItemChange } from '../../../core/recordChangeEvents.js';
import {
  initialRecord,
  planSend,
  type SendQueueMessage,
  validationFailureRecord,
} from '../../../worker/sending/SendPlanner.js';

const context = { subAccount: 'acme', maxParts: 3 };

function message(body: unknown, attributes: Record<string, string> = {}): SendQueueMessage {
  return {
    sqsMessageId: 'sqs-1',
    queueUrl: 'https://sqs/q',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes,
    receiveCount: 1,
  };
}

const valid = { subAccount: 'acme', to: '+6591234567', from: 'ACME', text: 'Your code is 1234' };

describe('planSend', () => {
  it('marks a request its country rules refuse, with the reason its record and event carry', () => {
    const blocking = { ...context, destinationRule: { kind: 'block', prefixes: ['65'] } as const };
    const plan = planSend(message(valid), blocking);
    expect(plan).toMatchObject({
      kind: 'send',
      refusal: {
        reason: 'blocked-destination',
        description:
          'The destination +6591234567 is a blocked destination for this sub-account (prefix +65 is on its block-list); it was not sent',
      },
    });
    expect(planSend(message({ ...valid, to: '+4479123456' }), blocking)).not.toHaveProperty('refusal');
  });

  it('plans a valid request: encoding, parts, addresses, an id from the SQS message', () => {
    const plan = planSend(message(valid), context);
    expect(plan).toMatchObject({
      kind: 'send',
      messageId: messageIdForSqsMessage('https://sqs/q', 'sqs-1'),
      encoding: 'GSM7',
      totalParts: 1,
      source: { addr: 'ACME', ton: 5, npi: 0 },
      destination: { addr: '6591234567', ton: 1, npi: 1 },
    });
  });

  it('takes the id from the API’s attribute first, then from the idempotency key', () => {
    const keyed = { ...valid, idempotencyKey: 'order-42' };
    expect(planSend(message(keyed, { [sqsMessageAttributes.messageId]: 'api-id' }), context).messageId).toBe(
      'api-id',
    );
    expect(planSend(message(keyed), context).messageId).toBe(messageIdForIdempotencyKey('acme', 'order-42'));
  });

  it('gives the same request the same hash, whatever the order of its context keys', () => {
    const a = planSend(message({ ...valid, context: { a: '1', b: '2' } }), context);
    const b = planSend(message({ ...valid, context: { b: '2', a: '1' } }), context);
    const c = planSend(message({ ...valid, text: 'other' }), context);
    if (a.kind !== 'send' || b.kind !== 'send' || c.kind !== 'send') throw new Error('expected valid plans');
    expect(a.requestHash).toBe(b.requestHash);
    expect(a.requestHash).not.toBe(c.requestHash);
  });

  it.each([
    ['a body that is not JSON', 'not json', '(root)'],
    ['a missing field', { ...valid, text: undefined }, 'text'],
    ['another sub-account’s request', { ...valid, subAccount: 'other' }, 'subAccount'],
    ['a text longer than the sub-account allows', { ...valid, text: 'x'.repeat(500) }, 'text'],
    ['a numeric sender SMPP cannot address', { ...valid, from: '+123' }, 'from'],
  ])('refuses %s, naming the field', (_name, body, field) => {
    const plan = planSend(message(body), context);
    expect(plan.kind).toBe('invalid');
    if (plan.kind === 'invalid') expect(plan.errors.map((e) => e.field)).toContain(field);
  });

  it('never gives an invalid request the id its idempotency key would give', () => {
    const plan = planSend(message({ ...valid, idempotencyKey: 'k', to: 'nope' }), context);
    expect(plan.messageId).toBe(messageIdForSqsMessage('https://sqs/q', 'sqs-1'));
  });
});

describe('records of a plan', () => {
  it('starts a valid request as submitting with one part per segment', () => {
    const plan = planSend(message({ ...valid, text: 'x'.repeat(200), validityPeriod: 3600 }), context);
    if (plan.kind !== 'send') throw new Error('expected a valid plan');
    const record = initialRecord(plan, 42, 1_000);
    expect(record).toMatchObject({
      status: 'submitting',
      totalParts: 2,
      concatReference: 42,
      validityPeriod: 3600,
    });
    expect(record.parts).toEqual([
      { partNumber: 1, status: 'submitting' },
      { partNumber: 2, status: 'submitting' },
    ]);
  });

  it('records an invalid request as failed with an SMS Failed event listing every bad field', () => {
    const plan = planSend(message({ ...valid, to: '12345', text: '' }), context);
    if (plan.kind !== 'invalid') throw new Error('expected invalid');
    const record = validationFailureRecord(plan, 'acme', 5);
    expect(record).toMatchObject({
      status: 'failed',
      reason: 'validation',
      errorCode: 'VALIDATION',
      to: '12345',
    });
    // What the table's stream announces when the record is written.
    const [event, ...more] = eventsOfItemChange({ newItem: record as unknown as Record<string, unknown> });
    expect(more).toEqual([]);
    if (event === undefined) throw new Error('expected an event');
    expect(event.detailType).toBe(detailTypes.failed);
    const detail = eventDetailSchemas[detailTypes.failed].parse(event.detail);
    expect(detail).toMatchObject({
      reason: 'validation',
      eventType: 'TEXT_INVALID',
      messageStatus: 'INVALID',
    });
    expect(detail.validationErrors?.map((e) => e.field).sort()).toEqual(['text', 'to']);
  });
});
