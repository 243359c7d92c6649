/**
 * The message record as the API writes it (DynamoDB item, messages table) and reads it back for
 * GET /messages/{id}, and the SQS message it queues. Pure: plain values in, plain values out.
 *
 * Item attributes, named as the worker's record names them (core/messageRecord.ts), which claims
 * this item by `messageId` and fills in the rest (parts, requestHash, claim and event bookkeeping):
 *   pk, sk            core/tableKeys messageKey(messageId)
 *   messageId, subAccount, to, from, text, encoding, totalParts, registeredDelivery, validityPeriod?,
 *   clientReference?, context ({} when none), idempotencyKey?
 *   status            `accepted`
 *   createdAt, updatedAt   epoch ms (the worker adds submittedAt, finalAt)
 *   correlationId     the API Gateway request id (also sent as an SQS message attribute)
 *   source            `api`
 *   expiresAt         TTL, epoch seconds (retentionSeconds.messages)
 *   acceptedShard     the acceptance-time index's partition (core/tableKeys.ts acceptedIndexAttributes), with
 *                     createdAt as its sort key: set here once, never changed, so the index costs one write
 * No `parts` until the worker claims it: it splits the text itself and keeps parts it finds only when they
 * are complete; GET answers `parts: []` meanwhile.
 */
import { sqsMessageAttributes } from '../../core/messageId.js';
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

export interface MessageItem {
  pk: string;
  sk: string;
  messageId: string;
  subAccount: string;
  to: string;
  from: string;
  text: string;
  encoding: SendPlan['encoding'];
  totalParts: number;
  status: MessageState;
  createdAt: number;
  updatedAt: number;
  registeredDelivery: boolean;
  validityPeriod?: number;
  clientReference?: string;
  context: Record<string, string>;
  idempotencyKey?: string;
  correlationId: string;
  source: 'api';
  expiresAt: number;
  acceptedShard: string;
}

export interface NewMessage {
  id: string;
  request: SendRequest;
  plan: Pick<SendPlan, 'encoding' | 'totalParts'>;
  correlationId: string;
  nowMs: number;
}

export function toMessageItem({ id, request, plan, correlationId, nowMs }: NewMessage): MessageItem {
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
