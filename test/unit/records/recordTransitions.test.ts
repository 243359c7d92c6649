import { describe, expect, it } from 'vitest';
import { detailTypes, eventDetailSchemas, messageEventId } from '../../../core/events.js';
import type { MessageRecord } from '../../../core/messageRecord.js';
import type { MessageState } from '../../../core/messageState.js';
import { eventsOfItemChange } from '../../../core/recordChangeEvents.js';
import { applyReceiptToRecord, rollUp } from '../../../worker/records/recordTransitions.js';

function record(partStates: MessageState[], status: MessageState = 'submitted'): MessageRecord {
  return {
    messageId: 'm-1',
    subAccount: 'acme',
    to: '+6591234567',
    from: 'ACME',
    context: { order: '7' },
    registeredDelivery: true,
    status,
    encoding: 'GSM7',
    totalParts: partStates.length,
    parts: partStates.map((state, index) => ({
      partNumber: index + 1,
      status: state,
      smscMessageId: `id-${index + 1}`,
    })),
    createdAt: 1,
    updatedAt: 1,
    version: 3,
  };
}

/** What the table's stream announces when `after` is written over `before`. */
const announced = (before: MessageRecord, after: MessageRecord) =>
  eventsOfItemChange({
    oldItem: before as unknown as Record<string, unknown>,
    newItem: after as unknown as Record<string, unknown>,
  });

describe('applyReceiptToRecord', () => {
  it('delivers a one-part message, announced as SMS Delivered, valid against the schema', () => {
    const before = record(['submitted']);
    const change = applyReceiptToRecord(before, 1, { state: 'delivered', errorCode: '0' }, 100);
    expect(change).toMatchObject({ changed: true, messageChanged: true });
    expect(change.record.status).toBe('delivered');
    expect(change.record.finalAt).toBe(100);
    const events = announced(before, change.record);
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.detailType).toBe(detailTypes.delivered);
    expect(event.detail.eventId).toBe(messageEventId('m-1', 'delivered'));
    expect(eventDetailSchemas[detailTypes.delivered].parse(event.detail)).toMatchObject({
      receiptStatus: 'DELIVRD',
      smscMessageIds: ['id-1'],
      context: { order: '7' },
    });
  });

  it('waits for every part of a long message before it says delivered', () => {
    const before = record(['submitted', 'submitted']);
    const first = applyReceiptToRecord(before, 1, { state: 'delivered' }, 100);
    expect(first).toMatchObject({ changed: true, messageChanged: false });
    expect(first.record.status).toBe('submitted');
    expect(announced(before, first.record)).toEqual([]);
    const second = applyReceiptToRecord(first.record, 2, { state: 'delivered' }, 200);
    expect(second.record.status).toBe('delivered');
    expect(announced(first.record, second.record)).toHaveLength(1);
  });

  it('fails the message as soon as one part is undeliverable, naming the receipt error', () => {
    const before = record(['submitted', 'submitted']);
    const change = applyReceiptToRecord(before, 2, { state: 'undeliverable', errorCode: '1' }, 100);
    expect(change.record).toMatchObject({ status: 'undeliverable', reason: 'undeliverable', errorCode: '1' });
    const event = announced(before, change.record)[0]!;
    expect(eventDetailSchemas[detailTypes.failed].parse(event.detail)).toMatchObject({
      reason: 'undeliverable',
      eventType: 'TEXT_UNREACHABLE',
      receiptErrorCode: '1',
      messageStatusDescription: expect.stringContaining('Absent subscriber'),
    });
  });

  it('changes nothing for a duplicate or for a later, less final receipt', () => {
    const delivered = applyReceiptToRecord(record(['submitted']), 1, { state: 'delivered' }, 100).record;
    expect(applyReceiptToRecord(delivered, 1, { state: 'delivered' }, 200).changed).toBe(false);
    expect(applyReceiptToRecord(delivered, 1, { state: 'enroute' }, 200).changed).toBe(false);
    expect(applyReceiptToRecord(delivered, 1, { state: 'undeliverable' }, 200).changed).toBe(false);
  });

  it('records an ENROUTE receipt on the part without a message event', () => {
    const before = record(['submitted']);
    const change = applyReceiptToRecord(before, 1, { state: 'enroute' }, 100);
    expect(change).toMatchObject({ changed: true, messageChanged: false });
    expect(announced(before, change.record)).toEqual([]);
    expect(change.record.parts[0]).toMatchObject({ status: 'submitted', receiptStatus: 'ENROUTE' });
    expect(applyReceiptToRecord(change.record, 1, { state: 'enroute' }, 200).changed).toBe(false);
  });

  it('lets a definite receipt replace unknown, with its own event', () => {
    const before = record(['submitted']);
    const unknown = applyReceiptToRecord(before, 1, { state: 'unknown' }, 100);
    expect(unknown.record.status).toBe('unknown');
    expect(announced(before, unknown.record)[0]?.detail).toMatchObject({ reason: 'unknown' });
    const delivered = applyReceiptToRecord(unknown.record, 1, { state: 'delivered' }, 200);
    expect(delivered.record.status).toBe('delivered');
    expect(announced(unknown.record, delivered.record).map((e) => e.detail.eventId)).toEqual([
      messageEventId('m-1', 'delivered'),
    ]);
  });

  it('ignores a part number the record does not have', () => {
    expect(applyReceiptToRecord(record(['submitted']), 3, { state: 'delivered' }, 1).changed).toBe(false);
  });
});

describe('rollUp', () => {
  it('moves a submitting message whose parts are all accepted to submitted, announced as SMS Submitted', () => {
    const before = record(['submitted', 'submitted'], 'submitting');
    const change = rollUp(before, 50);
    expect(change.record).toMatchObject({ status: 'submitted', submittedAt: 50 });
    const event = announced(before, change.record)[0]!;
    expect(eventDetailSchemas[detailTypes.submitted].parse(event.detail)).toMatchObject({
      isFinal: false,
      totalMessageParts: 2,
      smscMessageIds: ['id-1', 'id-2'],
    });
  });

  it('says SMS Submitted is final when no receipt was asked for', () => {
    const before = { ...record(['submitted'], 'submitting'), registeredDelivery: false };
    const change = rollUp(before, 50);
    expect(announced(before, change.record)[0]?.detail).toMatchObject({ isFinal: true });
  });
});
