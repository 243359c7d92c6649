/**
 * The message record as the API writes it (core/messageRecord.ts AcceptedMessageItem, the one definition of
 * the stored item) and reads it back for GET /messages/{id}, and the SQS message it queues. Pure: plain
 * values in, plain values out.
 */

import { sqsMessageAttributes } from '../../core/messageId.js';
import type { AcceptedMessageItem } from '../../core/messageRecord.js';
import type { MessageState } from '../../core/messageState.js';
import type { AcceptedResponse, MessageRecord } from '../../core/openApi.js';
import type { SendRequest } from '../../core/sendRequest.js';
import {
  acceptedIndexAttributes,
  expiresAtSeconds,
  messageKey,
  retentionSeconds,
} from '../../core/tableKeys.js';
import type { SendPlan } from './validateSendRequest.js';

export interface NewMessage {
  id: string;
  request: SendRequest;
  plan: Pick<SendPlan, 'encoding' | 'totalParts'>;
  correlationId: string;
  nowMs: number;
}

export function toMessageItem({ id, request, plan, correlationId, nowMs }: NewMessage): AcceptedMessageItem {
  return {
    ...messageKey(id),
    messageId: id,
    subAccount: request.subAccount,
    to: request.to,
    from: request.from,
    text: request.text,
    encoding: plan.encoding,
    totalParts: plan.totalParts,
    status: 'accepted',
    createdAt: nowMs,
    updatedAt: nowMs,
    registeredDelivery: request.registeredDelivery,
    ...(request.validityPeriod === undefined ? {} : { validityPeriod: request.validityPeriod }),
    ...(request.clientReference === undefined ? {} : { clientReference: request.clientReference }),
    context: request.context ?? {},
    ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
    correlationId,
    source: 'api',
    expiresAt: expiresAtSeconds(nowMs, retentionSeconds.messages),
    ...acceptedIndexAttributes(id, nowMs),
  };
}

/** Attributes that are storage or worker bookkeeping, not part of the record a caller sees. */
const internalAttributes = new Set([
  'pk',
  'sk',
  'source',
  'requestHash',
  'concatReference',
  'claimToken',
  'claimOwner',
  'claimExpiresAtMs',
  'attempts',
  'version',
  // Records written before events came from the table's stream kept their outbox here.
  'pendingEvents',
  'acceptedShard',
]);

/**
 * The public view of a stored item: everything but bookkeeping (fields the worker adds pass through), with
 * `parts: []` before the worker has split the message.
 */
export function toMessageRecord(item: Readonly<Record<string, unknown>>): MessageRecord {
  const visible = Object.fromEntries(Object.entries(item).filter(([name]) => !internalAttributes.has(name)));
  return { ...visible, parts: Array.isArray(item.parts) ? item.parts : [] } as MessageRecord;
}

const comparedFields = [
  'subAccount',
  'to',
  'from',
  'text',
  'clientReference',
  'validityPeriod',
  'registeredDelivery',
] as const;

/**
 * Whether a stored record was made from this request (same idempotency key → same id → this check). On a
 * record this API wrote, every field counts (absent = the request had none). On one another path wrote (the
 * worker, from a message put straight into SQS), only the fields it holds are compared: it may keep less,
 * e.g. no text.
 */
export function isSameRequest(
  record: object,
  request: SendRequest,
  strict: boolean = (record as { source?: unknown }).source === 'api',
): boolean {
  const item = record as Readonly<Record<string, unknown>>;
  for (const field of comparedFields) {
    if ((strict || item[field] !== undefined) && item[field] !== request[field]) return false;
  }
  if (strict || item.context !== undefined) {
    const stored = (item.context ?? {}) as Record<string, unknown>;
    const given: Record<string, unknown> = request.context ?? {};
    const ownValue = (context: Record<string, unknown>, key: string) =>
      Object.hasOwn(context, key) ? context[key] : undefined;
    for (const key of new Set([...Object.keys(stored), ...Object.keys(given)])) {
      if (ownValue(stored, key) !== ownValue(given, key)) return false;
    }
  }
  return true;
}

/** An SQS message attribute as SendMessage takes it (structurally the SDK's MessageAttributeValue). */
export interface StringAttribute {
  DataType: 'String';
  StringValue: string;
}

export interface OutgoingMessage {
  messageId: string;
  /** The send request JSON exactly as the shared schema defines it (the same contract direct producers use). */
  body: string;
  attributes: Record<string, StringAttribute>;
}

export function toOutgoingMessage(
  messageId: string,
  request: SendRequest,
  correlationId: string,
): OutgoingMessage {
  return {
    messageId,
    body: JSON.stringify(request),
    attributes: {
      [sqsMessageAttributes.messageId]: { DataType: 'String', StringValue: messageId },
      [sqsMessageAttributes.correlationId]: { DataType: 'String', StringValue: correlationId },
    },
  };
}

export function toAcceptedResponse(
  outcome: { messageId: string; status: MessageState; encoding: SendPlan['encoding']; parts: number },
  statusUrl: string,
): AcceptedResponse {
  return {
    messageId: outcome.messageId,
    status: outcome.status,
    encoding: outcome.encoding,
    parts: outcome.parts,
    statusUrl,
  };
}

export function statusUrlFor(baseUrl: string, messageId: string): string {
  return `${baseUrl}/messages/${messageId}`;
}
