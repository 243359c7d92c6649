import { describe, expect, it } from 'vitest';
import {
  type DeliveredDetail,
  detailTypes,
  deterministicEventId,
  eventDetailSchemas,
  eventForState,
  eventJsonSchemas,
  eventSource,
  type FailedDetail,
  messageEventId,
  toEventEntry,
  unmatchedReceiptEventId,
} from '../../../core/events.js';

const delivered: DeliveredDetail = {
  eventId: messageEventId('m-1', 'delivered'),
  eventType: 'TEXT_DELIVERED',
  isFinal: true,
  messageId: 'm-1',
  subAccount: 'acme_hq',
  destinationPhoneNumber: '+6591234567',
  originationIdentity: 'ACME',
  messageStatus: 'DELIVERED',
  messageStatusDescription: 'Delivered to the handset',
  context: { orderId: '42' },
  totalMessageParts: 2,
  messageEncoding: 'GSM7',
  smscMessageIds: ['a1', 'a2'],
  receiptStatus: 'DELIVRD',
  receiptErrorCode: '000',
  eventTimestamp: 1_764_000_000_000,
};

describe('event ids', () => {
  it('are the same for the same state change, whenever it is computed', () => {
    expect(messageEventId('m-1', 'delivered')).toBe(messageEventId('m-1', 'delivered'));
    expect(messageEventId('m-1', 'delivered')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differ between states, messages, parts and kinds of event', () => {
    const ids = new Set([
      messageEventId('m-1', 'delivered'),
      messageEventId('m-1', 'submitted'),
      messageEventId('m-2', 'delivered'),
      messageEventId('m-1', 'delivered', 0),
      messageEventId('m-1', 'delivered', 1),
      unmatchedReceiptEventId('acme_hq', 'm-1', 'DELIVRD'),
    ]);
    expect(ids.size).toBe(6);
  });

  it('cannot be forged by moving a separator between fields', () => {
    expect(deterministicEventId('a|b', 'c')).not.toBe(deterministicEventId('a', 'b|c'));
  });
});

describe('event detail schemas', () => {
  it('accept a delivered event shaped like AWS End User Messaging’s', () => {
    expect(eventDetailSchemas[detailTypes.delivered].parse(delivered)).toEqual(delivered);
  });

  it('accept a validation failure that lacks the fields an invalid request could not give', () => {
    const failed: FailedDetail = {
      eventId: messageEventId('m-9', 'failed'),
      eventType: 'TEXT_INVALID',
      isFinal: true,
      reason: 'validation',
      messageId: 'm-9',
      messageStatus: 'INVALID',
      messageStatusDescription: 'The send request was invalid',
      context: {},
      smscMessageIds: [],
      validationErrors: [{ field: 'to', message: 'must start with +' }],
      eventTimestamp: 1_764_000_000_000,
    };
    expect(eventDetailSchemas[detailTypes.failed].safeParse(failed).success).toBe(true);
  });

  it('reject details with unknown fields or a malformed eventId', () => {
    expect(eventDetailSchemas[detailTypes.delivered].safeParse({ ...delivered, extra: 1 }).success).toBe(
      false,
    );
    expect(eventDetailSchemas[detailTypes.delivered].safeParse({ ...delivered, eventId: 'x' }).success).toBe(
      false,
    );
  });
});

describe('eventForState', () => {
  it('publishes nothing before submission', () => {
    expect(eventForState('accepted')).toBeUndefined();
    expect(eventForState('submitting')).toBeUndefined();
  });

  it('maps outcomes to detail-types and AWS-style event types', () => {
    expect(eventForState('submitted')).toEqual({ detailType: 'SMS Submitted', eventType: 'TEXT_SUCCESSFUL' });
    expect(eventForState('delivered')).toEqual({ detailType: 'SMS Delivered', eventType: 'TEXT_DELIVERED' });
    expect(eventForState('expired')).toEqual({
      detailType: 'SMS Failed',
      eventType: 'TEXT_TTL_EXPIRED',
      reason: 'expired',
    });
    expect(eventForState('undeliverable')?.eventType).toBe('TEXT_UNREACHABLE');
    expect(eventForState('unknown')?.reason).toBe('unknown');
  });
});

describe('toEventEntry', () => {
  it('builds a PutEvents entry on the fleet source with the detail as JSON', () => {
    const entry = toEventEntry({ detailType: detailTypes.delivered, detail: delivered }, 'smpp-fleet-events');
    expect(entry).toEqual({
      Source: eventSource,
      DetailType: 'SMS Delivered',
      Detail: JSON.stringify(delivered),
      EventBusName: 'smpp-fleet-events',
      Time: new Date(delivered.eventTimestamp),
    });
  });
});

describe('eventJsonSchemas', () => {
  it('gives a JSON Schema for every detail-type', () => {
    const schemas = eventJsonSchemas();
    expect(Object.keys(schemas).sort()).toEqual(Object.values(detailTypes).sort());
    expect(schemas['SMS Delivered']).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: expect.arrayContaining(['eventId', 'messageId', 'eventType', 'isFinal', 'eventTimestamp']),
    });
  });

  // Subscribers read docs/event-schemas.json (linked from the README); it must be what the code publishes.
  // After changing an event schema on purpose: `npx vitest run test/unit/core/events.test.ts -u`.
  it('matches the committed docs/event-schemas.json', async () => {
    await expect(`${JSON.stringify(eventJsonSchemas(), null, 2)}\n`).toMatchFileSnapshot(
      '../../../docs/event-schemas.json',
    );
  });

  it('can target draft-4 for the EventBridge schema registry', () => {
    expect(eventJsonSchemas('draft-4')['SMS Failed']?.$schema).toBe(
      'http://json-schema.org/draft-04/schema#',
    );
  });
});
