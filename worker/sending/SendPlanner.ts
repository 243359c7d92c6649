/**
 * Pure planning of one SQS send message: validate the body, pick the message id, check that the text fits
 * and the addresses encode, and describe the record to create. No I/O; the MessageSender acts on the plan.
 *
 * The message id (core/messageId.ts): the `smppFleetMessageId` attribute (the API recorded it), else the id
 * derived from (sub-account, idempotencyKey), else the id derived from the SQS MessageId. An INVALID body
 * never takes the idempotency-derived id: that would let a broken request use up the key of the valid one
 * its producer sends next.
 */
import { createHash } from 'node:crypto';
import { type DestinationRule, destinationRefusal } from '../../core/destinationRules.js';
import { planText } from '../../core/encoding/segmentText.js';
import type { MessageEncoding, UnsentReason } from '../../core/events.js';
import { type FieldError, rootField } from '../../core/fieldErrors.js';
import {
  messageIdForIdempotencyKey,
  messageIdForSqsMessage,
  sqsMessageAttributes,
} from '../../core/messageId.js';
import type { MessageRecord, PartRecord } from '../../core/messageRecord.js';
import { parseSendRequest, type SendRequest } from '../../core/sendRequest.js';
import { describeOptOut, type Suppression } from '../../core/suppressions.js';
import { expiresAtSeconds, retentionSeconds } from '../../core/tableKeys.js';
import { destinationAddressOf, type SmppAddress, sourceAddressOf } from '../encoding/addresses.js';

/** One message as the SQS consumer hands it over. */
export interface SendQueueMessage {
  /** SQS's MessageId. */
  sqsMessageId: string;
  queueUrl: string;
  body: string;
  /** String message attributes by name. */
  attributes: Readonly<Record<string, string>>;
  /** ApproximateReceiveCount: 1 on the first delivery. */
  receiveCount: number;
  /** SQS's SentTimestamp (epoch ms): when the producer handed it over, the acceptance of a message sent straight to SQS. */
  sentAt?: number;
}

export interface SendPlanContext {
  /** The sub-account whose queue this is. */
  subAccount: string;
  maxParts: number;
  /** The sub-account's country rules, if it has any. */
  destinationRule?: DestinationRule | undefined;
}

export type SendPlan =
  | {
      kind: 'invalid';
      messageId: string;
      errors: FieldError[];
      /** What could be read from the body anyway, for the record and the event. */
      known: Partial<Pick<SendRequest, 'to' | 'from' | 'clientReference' | 'idempotencyKey' | 'context'>>;
    }
  | {
      kind: 'send';
      messageId: string;
      request: SendRequest;
      encoding: MessageEncoding;
      totalParts: number;
      source: SmppAddress;
      destination: SmppAddress;
      /** sha-256 of the request: tells a reused idempotency key with a different body apart. */
      requestHash: string;
      /** Set when a guardrail (country rules) refuses it: it is recorded failed, never submitted. */
      refusal?: Refusal;
    };

/** Why a valid request is not sent, as its record and `SMS Failed` event say. */
export interface Refusal {
  reason: Extract<
    UnsentReason,
    'blocked-destination' | 'opted-out' | 'rate-limited-destination' | 'daily-cap'
  >;
  errorCode: string;
  description: string;
}

export function planSend(message: SendQueueMessage, context: SendPlanContext): SendPlan {
  const attributeId = message.attributes[sqsMessageAttributes.messageId];
  const fallbackId =
    attributeId !== undefined && attributeId !== ''
      ? attributeId
      : messageIdForSqsMessage(message.queueUrl, message.sqsMessageId);

  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch {
    return invalid(
      fallbackId,
      [{ field: rootField, message: 'is not JSON: the body must be a JSON send request' }],
      undefined,
    );
  }
  const parsed = parseSendRequest(body);
  if (!parsed.ok) return invalid(fallbackId, parsed.errors, body);
  const request = parsed.request;

  const errors: FieldError[] = [];
  if (request.subAccount !== context.subAccount) {
    errors.push({
      field: 'subAccount',
      message: `is "${request.subAccount}" but the message came through the queue of sub-account "${context.subAccount}"`,
    });
  }
  let source: SmppAddress | undefined;
  let destination: SmppAddress | undefined;
  try {
    source = sourceAddressOf(request.from);
  } catch (error) {
    errors.push({ field: 'from', message: `cannot be used as an SMPP sender: ${(error as Error).message}` });
  }
  try {
    destination = destinationAddressOf(request.to);
  } catch (error) {
    errors.push({
      field: 'to',
      message: `cannot be used as an SMPP destination: ${(error as Error).message}`,
    });
  }
  const text = planText(request.text);
  if (text.totalParts > context.maxParts) {
    errors.push({
      field: 'text',
      message: `needs ${text.totalParts} SMS parts (${text.units} ${text.encoding === 'GSM7' ? 'GSM characters' : 'UCS-2 units'}) but sub-account "${context.subAccount}" allows at most ${context.maxParts}`,
    });
  }
  if (errors.length > 0 || source === undefined || destination === undefined) {
    return invalid(fallbackId, errors, body);
  }

  const messageId =
    attributeId !== undefined && attributeId !== ''
      ? attributeId
      : request.idempotencyKey !== undefined
        ? messageIdForIdempotencyKey(request.subAccount, request.idempotencyKey)
        : fallbackId;
  return {
    kind: 'send',
    messageId,
    request,
    encoding: text.encoding,
    totalParts: text.totalParts,
    source,
    destination,
    requestHash: requestHashOf(request),
    ...refusalOf(request, context),
  };
}

function refusalOf(request: SendRequest, context: SendPlanContext): { refusal?: Refusal } {
  const refused = destinationRefusal(request.to, context.destinationRule);
  if (refused === undefined) return {};
  return {
    refusal: {
      reason: 'blocked-destination',
      errorCode: 'BLOCKED_DESTINATION',
      description: `The destination ${request.to} ${refused}; it was not sent`,
    },
  };
}

/** The refusal of a send to a number on the sub-account's suppression list. */
export function optedOutRefusal(to: string, suppression: Suppression): Refusal {
  return {
    reason: 'opted-out',
    errorCode: 'OPTED_OUT',
    description: `The destination ${to} ${describeOptOut(suppression)}; it was not sent`,
  };
}

/**
 * A claimed record refused by a guardrail, settled as `failed` with the refusal's reason: nothing was
 * submitted, every part fails with it, the claim is released.
 */
export function refusedRecord(base: MessageRecord, refusal: Refusal, now: number): MessageRecord {
  return {
    ...base,
    status: 'failed',
    reason: refusal.reason,
    errorCode: refusal.errorCode,
    errorDescription: refusal.description,
    parts: base.parts.map((part) => ({ ...part, status: 'failed' })),
    updatedAt: now,
    finalAt: now,
    claimExpiresAtMs: 0,
  };
}

function invalid(messageId: string, errors: FieldError[], body: unknown): SendPlan {
  const known: Extract<SendPlan, { kind: 'invalid' }>['known'] = {};
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const fields = body as Record<string, unknown>;
    for (const field of ['to', 'from', 'clientReference', 'idempotencyKey'] as const) {
      const value = fields[field];
      if (typeof value === 'string' && value.length <= 256) known[field] = value;
    }
    const context = fields.context;
    if (typeof context === 'object' && context !== null && !Array.isArray(context)) {
      const entries = Object.entries(context).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      );
      if (entries.length === Object.keys(context).length) known.context = Object.fromEntries(entries);
    }
  }
  return { kind: 'invalid', messageId, errors, known };
}

/** Stable across processes: keys in schema order, context keys sorted. */
export function requestHashOf(request: SendRequest): string {
  const context =
    request.context === undefined
      ? undefined
      : Object.fromEntries(Object.entries(request.context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash('sha256')
    .update(JSON.stringify({ ...request, context }))
    .digest('hex');
}

/**
 * The record a valid request starts as (what the claim creates when there is none). `acceptedAt` becomes its
 * `createdAt`, from which its validity counts (worker/sending/expiry.ts): the SQS SentTimestamp, else `now`.
 * A record that exists (the API's, or an earlier claim's) keeps its own.
 */
export function initialRecord(
  plan: Extract<SendPlan, { kind: 'send' }>,
  concatReference: number,
  now: number,
  acceptedAt: number = now,
): MessageRecord {
  const { request } = plan;
  const parts: PartRecord[] = Array.from({ length: plan.totalParts }, (_, index) => ({
    partNumber: index + 1,
    status: 'submitting',
  }));
  return {
    messageId: plan.messageId,
    subAccount: request.subAccount,
    to: request.to,
    from: request.from,
    context: request.context ?? {},
    registeredDelivery: request.registeredDelivery,
    ...(request.clientReference === undefined ? {} : { clientReference: request.clientReference }),
    ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
    ...(request.validityPeriod === undefined ? {} : { validityPeriod: request.validityPeriod }),
    requestHash: plan.requestHash,
    status: 'submitting',
    encoding: plan.encoding,
    totalParts: plan.totalParts,
    concatReference,
    parts,
    createdAt: Math.min(acceptedAt, now),
    updatedAt: now,
    version: 0,
    expiresAt: expiresAtSeconds(now, retentionSeconds.messages),
  };
}

/** The `failed` record (reason `validation`) of an invalid request (the stream announces its SMS Failed). */
export function validationFailureRecord(
  plan: Extract<SendPlan, { kind: 'invalid' }>,
  subAccount: string,
  now: number,
): MessageRecord {
  return unsentFailureRecord(
    {
      messageId: plan.messageId,
      subAccount,
      ...plan.known,
      context: plan.known.context ?? {},
      reason: 'validation',
      errorCode: 'VALIDATION',
      errorDescription: `The send request was invalid: ${plan.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
      validationErrors: plan.errors,
    },
    now,
  );
}

/**
 * A request put on SQS with an idempotency key already used for a different request (the API answers 409
 * for the same case). The first request stands under the key's message id; this one is recorded as failed
 * under its SQS message's id, so redeliveries find it done and the producer learns from an `SMS Failed`
 * (reason `idempotency-conflict`) that carries its clientReference and key.
 */
export function idempotencyConflictRecord(
  plan: Extract<SendPlan, { kind: 'send' }>,
  message: Pick<SendQueueMessage, 'queueUrl' | 'sqsMessageId'>,
  now: number,
): MessageRecord {
  const { request } = plan;
  return unsentFailureRecord(
    {
      messageId: messageIdForSqsMessage(message.queueUrl, message.sqsMessageId),
      subAccount: request.subAccount,
      to: request.to,
      from: request.from,
      ...(request.clientReference === undefined ? {} : { clientReference: request.clientReference }),
      ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
      context: request.context ?? {},
      reason: 'idempotency-conflict',
      errorCode: 'IDEMPOTENCY_CONFLICT',
      errorDescription:
        `The idempotency key "${request.idempotencyKey ?? ''}" was first used for message ${plan.messageId} ` +
        'with a different request; that one stands, this one was not sent',
    },
    now,
  );
}

/** A request that never became a message to send: failed at once. */
function unsentFailureRecord(
  fields: Pick<
    MessageRecord,
    'messageId' | 'subAccount' | 'context' | 'reason' | 'errorCode' | 'errorDescription'
  > &
    Partial<MessageRecord>,
  now: number,
): MessageRecord {
  return {
    ...fields,
    status: 'failed',
    parts: [],
    createdAt: now,
    updatedAt: now,
    finalAt: now,
    version: 1,
    expiresAt: expiresAtSeconds(now, retentionSeconds.messages),
  };
}
