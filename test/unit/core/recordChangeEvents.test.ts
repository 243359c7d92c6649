import { describe, expect, it } from 'vitest';
import { detailTypes, eventDetailSchemas, eventTypes, messageEventId } from '../../../core/events.js';
import type { MessageRecord, PartRecord } from '../../../core/messageRecord.js';
import { eventItemAttributes, eventsOfItemChange } from '../../../core/recordChangeEvents.js';

const item = (record: MessageRecord) => record as unknown as Record<string, unknown>;

function record(overrides: Partial<MessageRecord> = {}, parts: Partial<PartRecord>[] = [{}]): MessageRecord {
  return {
    messageId: 'm-1',
    subAccount: 'acme',
    to: '+6591234567',
    from: 'ACME',
    clientReference: 'order-7',
    context: { campaign: 'otp' },
    registeredDelivery: true,
    status: 'submitting',
    encoding: 'GSM7',
    totalParts: parts.length,
    parts: parts.map((part, index) => ({ partNumber: index + 1, status: 'submitting', ...part })),
    createdAt: 1_000,
    updatedAt: 1_000,
    version: 1,
    ...overrides,
  };
}

const claimed = record();
const submitted = record({ status: 'submitted', submittedAt: 2_000, updatedAt: 2_000, version: 2 }, [
  { status: 'submitted', smscMessageId: 'abc', normalisedSmscMessageId: 'abc', submittedAt: 2_000 },
]);
const delivered = record(
  { status: 'delivered', submittedAt: 2_000, finalAt: 3_000, updatedAt: 3_000, version: 3 },
  [
    {
      status: 'delivered',
      smscMessageId: 'abc',
      receiptStatus: 'DELIVRD',
      receiptErrorCode: '0',
      receiptAt: 3_000,
    },
  ],
);

const types = (events: { detailType: string }[]) => events.map((event) => event.detailType);

describe('eventsOfItemChange: a message record', () => {
  it('announces nothing for a claim, the first write of a message taken from SQS', () => {
    expect(eventsOfItemChange({ newItem: item(claimed) })).toEqual([]);
  });

  it('announces SMS Submitted when the submission is recorded, as the detail schema says', () => {
    const events = eventsOfItemChange({ oldItem: item(claimed), newItem: item(submitted) });
    expect(types(events)).toEqual([detailTypes.submitted]);
    const detail = eventDetailSchemas[detailTypes.submitted].parse(events[0]?.detail);
    expect(detail).toMatchObject({
      eventId: messageEventId('m-1', 'submitted'),
      eventType: eventTypes.submitted,
      clientReference: 'order-7',
      context: { campaign: 'otp' },
      smscMessageIds: ['abc'],
      eventTimestamp: 2_000,
      isFinal: false,
    });
  });

  it('announces the receipt that delivered it, with its stat and err', () => {
    const events = eventsOfItemChange({ oldItem: item(submitted), newItem: item(delivered) });
    expect(types(events)).toEqual([detailTypes.delivered]);
    expect(events[0]?.detail).toMatchObject({
      eventId: messageEventId('m-1', 'delivered'),
      receiptStatus: 'DELIVRD',
      receiptErrorCode: '0',
      eventTimestamp: 3_000,
    });
  });

  it('announces nothing for a write that moved no state (a part ENROUTE, a copy of a receipt)', () => {
    const enroute = { ...submitted, parts: [{ ...submitted.parts[0], receiptStatus: 'ENROUTE' }] };
    expect(eventsOfItemChange({ oldItem: item(submitted), newItem: item(enroute as MessageRecord) })).toEqual(
      [],
    );
    expect(eventsOfItemChange({ oldItem: item(delivered), newItem: item(delivered) })).toEqual([]);
  });

  it('announces Submitted then Delivered when an early receipt is recorded with the submission', () => {
    const events = eventsOfItemChange({ oldItem: item(claimed), newItem: item(delivered) });
    expect(types(events)).toEqual([detailTypes.submitted, detailTypes.delivered]);
  });

  it('announces Submitted when the submission is recorded after a receipt already delivered the message', () => {
    // The receipt found the SUBMIT item and applied itself while the record still said submitting.
    const deliveredFirst = { ...delivered, submittedAt: undefined } as MessageRecord;
    expect(types(eventsOfItemChange({ oldItem: item(claimed), newItem: item(deliveredFirst) }))).toEqual([
      detailTypes.delivered,
    ]);
    expect(types(eventsOfItemChange({ oldItem: item(deliveredFirst), newItem: item(delivered) }))).toEqual([
      detailTypes.submitted,
    ]);
  });

  it('names the first failing part’s receipt for a long message that failed', () => {
    const failed = record(
      { status: 'undeliverable', submittedAt: 2_000, finalAt: 4_000, reason: 'undeliverable' },
      [
        { status: 'delivered', receiptStatus: 'DELIVRD', receiptAt: 3_500 },
        { status: 'undeliverable', receiptStatus: 'UNDELIV', receiptErrorCode: '1', receiptAt: 3_000 },
        { status: 'undeliverable', receiptStatus: 'UNDELIV', receiptErrorCode: '15', receiptAt: 4_000 },
      ],
    );
    const before = { ...failed, status: 'submitted' } as MessageRecord;
    const [event] = eventsOfItemChange({ oldItem: item(before), newItem: item(failed) });
    expect(event?.detail).toMatchObject({ reason: 'undeliverable', receiptErrorCode: '1' });
  });

  it('announces a validation failure put straight as failed', () => {
    const invalid = record({
      status: 'failed',
      reason: 'validation',
      errorCode: 'VALIDATION',
      validationErrors: [{ field: 'to', message: 'must be E.164' }],
      finalAt: 1_000,
      parts: [],
    });
    const events = eventsOfItemChange({ newItem: item(invalid) });
    expect(types(events)).toEqual([detailTypes.failed]);
    expect(events[0]?.detail).toMatchObject({ reason: 'validation', validationErrors: [{ field: 'to' }] });
  });

  it('announces nothing for a removal (TTL) or for an item that is neither a record nor an event item', () => {
    expect(eventsOfItemChange({ oldItem: item(delivered) })).toEqual([]);
    expect(eventsOfItemChange({ newItem: { pk: 'SOMETHING#else', sk: 'x' } })).toEqual([]);
  });
});

describe('eventsOfItemChange: an event item', () => {
  const inbound = {
    detailType: detailTypes.inbound,
    detail: {
      eventId: 'e-1',
      eventType: eventTypes.inbound,
      inboundMessageId: 'mo-1',
      subAccount: 'acme',
      originationNumber: '6598765432',
      destinationNumber: '72000',
      messageBody: 'STOP',
      messageEncoding: 'GSM7',
      eventTimestamp: 5_000,
    },
  } as const;

  it('publishes the event it carries, byte for byte, when it is inserted', () => {
    const newItem = { pk: 'INBOUND#acme', sk: 'mo-1', ...eventItemAttributes(inbound) };
    expect(eventsOfItemChange({ newItem })).toEqual([inbound]);
  });

  it('publishes nothing when it is written again or removed', () => {
    const newItem = { pk: 'INBOUND#acme', sk: 'mo-1', ...eventItemAttributes(inbound) };
    expect(eventsOfItemChange({ oldItem: newItem, newItem })).toEqual([]);
    expect(eventsOfItemChange({ oldItem: newItem })).toEqual([]);
  });

  it('refuses an event item whose payload is not one of the announced events, naming it', () => {
    const newItem = { pk: 'INBOUND#acme', sk: 'x', announces: { detailType: 'SMS Delivered', detail: '{}' } };
    expect(() => eventsOfItemChange({ newItem })).toThrow(/announces is not an event/);
  });
});
