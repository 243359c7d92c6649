import { describe, expect, it } from 'vitest';
import { detailTypes, eventDetailSchemas, messageEventId } from '../../../core/events.js';
import { fromPendingEvent } from '../../../core/messageEvents.js';
import type { MessageRecord } from '../../../core/messageRecord.js';
import type { MessageState } from '../../../core/messageState.js';
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
    pendingEvents: {},
    version: 3,
  };
}

describe('applyReceiptToRecord', () => {
  it('delivers a one-part message and makes its SMS Delivered event, valid against the schema', () => {
    const change = applyReceiptToRecord(
      record(['submitted']),
      1,
      { state: 'delivered', errorCode: '0' },
      100,
    );
    expect(change).toMatchObject({ changed: true, messageChanged: true });
    expect(change.record.status).toBe('delivered');
    expect(change.record.finalAt).toBe(100);
    expect(change.events).toHaveLength(1);
    const event = fromPendingEvent(change.events[0]!);
    expect(event.detailType).toBe(detailTypes.delivered);
    expect(event.detail.eventId).toBe(messageEventId('m-1', 'delivered'));
    expect(eventDetailSchemas[detailTypes.delivered].parse(event.detail)).toMatchObject({
      receiptStatus: 'DELIVRD',
      smscMessageIds: ['id-1'],
      context: { order: '7' },
    });
    expect(change.record.pendingEvents[event.detail.eventId]).toBeDefined();
  });

  it('waits for every part of a long message before it says delivered', () => {
    const first = applyReceiptToRecord(record(['submitted', 'submitted']), 1, { state: 'delivered' }, 100);
    expect(first).toMatchObject({ changed: true, messageChanged: false, events: [] });
    expect(first.record.status).toBe('submitted');
    const second = applyReceiptToRecord(first.record, 2, { state: 'delivered' }, 200);
    expect(second.record.status).toBe('delivered');
    expect(second.events).toHaveLength(1);
  });

  it('fails the message as soon as one part is undeliverable, naming the receipt error', () => {
    const change = applyReceiptToRecord(
      record(['submitted', 'submitted']),
      2,
      { state: 'undeliverable', errorCode: '1' },
      100,
    );
    expect(change.record).toMatchObject({ status: 'undeliverable', reason: 'undeliverable', errorCode: '1' });
    const event = fromPendingEvent(change.events[0]!);
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
    const change = applyReceiptToRecord(record(['submitted']), 1, { state: 'enroute' }, 100);
    expect(change).toMatchObject({ changed: true, messageChanged: false, events: [] });
    expect(change.record.parts[0]).toMatchObject({ status: 'submitted', receiptStatus: 'ENROUTE' });
    expect(applyReceiptToRecord(change.record, 1, { state: 'enroute' }, 200).changed).toBe(false);
  });

  it('lets a definite receipt replace unknown, with its own event', () => {
    const unknown = applyReceiptToRecord(record(['submitted']), 1, { state: 'unknown' }, 100);
    expect(unknown.record.status).toBe('unknown');
    expect(fromPendingEvent(unknown.events[0]!).detail).toMatchObject({ reason: 'unknown' });
    const delivered = applyReceiptToRecord(unknown.record, 1, { state: 'delivered' }, 200);
    expect(delivered.record.status).toBe('delivered');
    expect(delivered.events.map((e) => e.eventId)).toEqual([messageEventId('m-1', 'delivered')]);
  });

  it('ignores a part number the record does not have', () => {
    expect(applyReceiptToRecord(record(['submitted']), 3, { state: 'delivered' }, 1).changed).toBe(false);
  });
});

describe('rollUp', () => {
  it('moves a submitting message whose parts are all accepted to submitted, with SMS Submitted', () => {
    const change = rollUp(record(['submitted', 'submitted'], 'submitting'), 50);
    expect(change.record).toMatchObject({ status: 'submitted', submittedAt: 50 });
    const event = fromPendingEvent(change.events[0]!);
    expect(eventDetailSchemas[detailTypes.submitted].parse(event.detail)).toMatchObject({
      isFinal: false,
      totalMessageParts: 2,
      smscMessageIds: ['id-1', 'id-2'],
    });
  });

  it('says SMS Submitted is final when no receipt was asked for', () => {
    const change = rollUp({ ...record(['submitted'], 'submitting'), registeredDelivery: false }, 50);
    expect(fromPendingEvent(change.events[0]!).detail).toMatchObject({ isFinal: true });
  });
});
