import { describe, expect, it } from 'vitest';
import { sqsMessageAttributes } from '../../../core/messageId.js';
import { parseSendRequest, type SendRequest } from '../../../core/sendRequest.js';
import { acceptedIndexAttributes, retentionSeconds } from '../../../core/tableKeys.js';
import {
  isSameRequest,
  statusUrlFor,
  toAcceptedResponse,
  toMessageItem,
  toMessageRecord,
  toOutgoingMessage,
} from '../../../lambdas/shared/messageItem.js';

function request(input: Record<string, unknown>): SendRequest {
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

const nowMs = 1_700_000_000_123;

describe('toMessageItem', () => {
  it('records what the request says, in state accepted, keyed and expiring as core/tableKeys says', () => {
    const item = toMessageItem({
      id: 'id-1',
      request: request({
        clientReference: 'ref',
        context: { a: 'b' },
        idempotencyKey: 'k',
        validityPeriod: 600,
      }),
      plan: { encoding: 'GSM7', totalParts: 1 },
      correlationId: 'req-1',
      nowMs,
    });
    expect(item).toEqual({
      pk: 'MSG#id-1',
      sk: 'MSG',
      messageId: 'id-1',
      subAccount: 'acme',
      to: '+6591234567',
      from: 'ACME',
      text: 'hi',
      encoding: 'GSM7',
      totalParts: 1,
      status: 'accepted',
      createdAt: nowMs,
      updatedAt: nowMs,
      registeredDelivery: true,
      validityPeriod: 600,
      clientReference: 'ref',
      context: { a: 'b' },
      idempotencyKey: 'k',
      correlationId: 'req-1',
      source: 'api',
      expiresAt: Math.ceil(nowMs / 1000) + retentionSeconds.messages,
      // The acceptance-time index: the UTC day of createdAt and the id's shard (core/tableKeys.ts).
      acceptedShard: acceptedIndexAttributes('id-1', nowMs).acceptedShard,
    });
    expect(item.acceptedShard).toMatch(/^MSG#2023-11-14#[0-7]$/);
  });

  it('leaves optional fields out rather than writing them empty, and parts to the worker', () => {
    const item = toMessageItem({
      id: 'x',
      request: request({}),
      plan: { encoding: 'UCS2', totalParts: 2 },
      correlationId: 'c',
      nowMs,
    });
    for (const absent of ['clientReference', 'validityPeriod', 'idempotencyKey', 'parts'])
      expect(item).not.toHaveProperty(absent);
    expect(item.context).toEqual({});
  });
});

describe('toMessageRecord', () => {
  it('hides keys and worker bookkeeping, passes the worker’s fields through, and shows parts: [] before a claim', () => {
    const record = toMessageRecord({
      pk: 'MSG#x',
      sk: 'MSG',
      messageId: 'x',
      status: 'submitted',
      source: 'api',
      claimToken: 't',
      claimOwner: 'w',
      claimExpiresAtMs: 1,
      version: 2,
      attempts: 1,
      pendingEvents: {},
      requestHash: 'h',
      concatReference: 7,
      inDoubt: true,
      errorCode: 'ESME_RINVDSTADR',
      acceptedShard: 'MSG#2026-12-02#3',
    });
    expect(record).toEqual({
      messageId: 'x',
      status: 'submitted',
      inDoubt: true,
      errorCode: 'ESME_RINVDSTADR',
      parts: [],
    });
  });

  it('keeps the parts the worker recorded', () => {
    const parts = [{ partNumber: 1, status: 'delivered', smscMessageId: 'a' }];
    expect(toMessageRecord({ messageId: 'x', status: 'delivered', parts }).parts).toEqual(parts);
  });
});

describe('isSameRequest', () => {
  const base = request({ clientReference: 'r', context: { a: '1' } });
  const stored = toMessageItem({
    id: 'x',
    request: base,
    plan: { encoding: 'GSM7', totalParts: 1 },
    correlationId: 'c',
    nowMs,
  });

  it('matches the request a record was made from', () => {
    expect(isSameRequest(stored, base)).toBe(true);
  });

  it('tells any changed field apart, context included', () => {
    for (const change of [
      { to: '+6599999999' },
      { from: 'OTHER' },
      { text: 'other' },
      { clientReference: 'other' },
      { registeredDelivery: false },
      { validityPeriod: 60 },
      { context: { a: '2' } },
      { context: { a: '1', b: '2' } },
    ]) {
      expect(
        isSameRequest(stored, request({ clientReference: 'r', context: { a: '1' }, ...change })),
        JSON.stringify(change),
      ).toBe(false);
    }
  });

  it('on a record another path wrote, does not compare what it does not hold (no text)', () => {
    const { text: _text, source: _source, clientReference: _reference, ...fromWorker } = stored;
    expect(
      isSameRequest(fromWorker, request({ clientReference: 'r', context: { a: '1' }, text: 'anything' })),
    ).toBe(true);
    expect(isSameRequest(fromWorker, request({ to: '+6599999999' }))).toBe(false);
  });

  it('compares two requests strictly when asked (duplicates within one batch)', () => {
    expect(isSameRequest(request({}), request({ clientReference: 'r' }), true)).toBe(false);
    expect(isSameRequest(request({}), request({ clientReference: 'r' }))).toBe(true);
    expect(isSameRequest(request({ context: { a: '1' } }), request({ context: { a: '1' } }), true)).toBe(
      true,
    );
  });
});

describe('the SQS message', () => {
  it('is the send request JSON, with the message id and correlation id as attributes', () => {
    const sent = request({ idempotencyKey: 'k' });
    expect(toOutgoingMessage('id-1', sent, 'req-1')).toEqual({
      messageId: 'id-1',
      body: JSON.stringify(sent),
      attributes: {
        [sqsMessageAttributes.messageId]: { DataType: 'String', StringValue: 'id-1' },
        [sqsMessageAttributes.correlationId]: { DataType: 'String', StringValue: 'req-1' },
      },
    });
    expect(parseSendRequest(JSON.parse(toOutgoingMessage('id-1', sent, 'r').body))).toEqual({
      ok: true,
      request: sent,
    });
  });
});

describe('the 202 answer', () => {
  it('has the id, status, encoding, parts and status URL', () => {
    expect(
      toAcceptedResponse(
        { messageId: 'id', status: 'accepted', encoding: 'UCS2', parts: 3 },
        statusUrlFor('https://x/prod', 'id'),
      ),
    ).toEqual({
      messageId: 'id',
      status: 'accepted',
      encoding: 'UCS2',
      parts: 3,
      statusUrl: 'https://x/prod/messages/id',
    });
  });
});
