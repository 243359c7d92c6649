import { describe, expect, it } from 'vitest';
import { messageIdForIdempotencyKey, messageIdForSqsMessage, newMessageId } from '../../../core/messageId.js';

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('message ids', () => {
  it('gives one idempotency key of one sub-account the same id every time', () => {
    expect(messageIdForIdempotencyKey('acme', 'order-42')).toBe(
      messageIdForIdempotencyKey('acme', 'order-42'),
    );
    expect(messageIdForIdempotencyKey('acme', 'order-42')).toMatch(uuidShape);
  });

  it('keeps the same key apart in two sub-accounts, and two keys apart in one', () => {
    expect(messageIdForIdempotencyKey('acme', 'k')).not.toBe(messageIdForIdempotencyKey('other', 'k'));
    expect(messageIdForIdempotencyKey('acme', 'k1')).not.toBe(messageIdForIdempotencyKey('acme', 'k2'));
    // The separator keeps ('ab', 'c') and ('a', 'bc') apart.
    expect(messageIdForIdempotencyKey('ab', 'c')).not.toBe(messageIdForIdempotencyKey('a', 'bc'));
  });

  it('maps a redelivered SQS message to the id it had the first time', () => {
    const url = 'http://localhost/000000000000/smpp-fleet-send-acme';
    expect(messageIdForSqsMessage(url, 'm-1')).toBe(messageIdForSqsMessage(url, 'm-1'));
    expect(messageIdForSqsMessage(url, 'm-1')).not.toBe(messageIdForSqsMessage(url, 'm-2'));
  });

  it('makes fresh random ids for requests without a key', () => {
    expect(newMessageId()).not.toBe(newMessageId());
    expect(newMessageId()).toMatch(uuidShape);
  });
});
