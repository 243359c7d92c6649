/**
 * The events the fleet publishes on its EventBridge bus: one detail-type per state change, with detail
 * fields named as AWS End User Messaging SMS names them (eventType, isFinal, messageId,
 * destinationPhoneNumber, messageStatus, …) so its users recognise them, plus fleet fields (subAccount,
 * smscMessageIds, reason, …).
 *
 * Every detail carries a deterministic `eventId`: the same state change of the same message always gets the
 * same id, however often it is published (a retried PutEvents, a receipt 8x8 redelivers, a worker that
 * crashed before answering it). Subscribers drop duplicates by it; EventBridge's own envelope `id` differs
 * on every publish and cannot be used for that.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { MessageState } from './messageState.js';

export const eventSource = 'smpp-fleet';

export const detailTypes = {
  submitted: 'SMS Submitted',
  delivered: 'SMS Delivered',
  failed: 'SMS Failed',
  receiptUnmatched: 'SMS Delivery Receipt Unmatched',
  inbound: 'SMS Inbound Message',
  unreadable: 'SMS Deliver Unreadable',
  optedOut: 'SMS Opted Out',
} as const;
export type DetailType = (typeof detailTypes)[keyof typeof detailTypes];

/**
 * Why an `SMS Failed` was published: the final state, or, for a request that never became a message to send
 * (its record is `failed`), `validation` (it was invalid), `idempotency-conflict` (put on SQS with an
 * idempotency key already used for a different request: the first stands, this one is not sent),
 * `blocked-destination` (the sub-account's country rules refuse the number), `opted-out` (the number is on
 * the sub-account's suppression list), `rate-limited-destination` (over the sub-account's per-number velocity
 * limit) or `daily-cap` (over the sub-account's messages per day; core/velocityLimits.ts).
 * `expired-before-submit` (state `expired`): the validity period, counted from acceptance, ran out before
 * any part went to 8x8, so nothing was sent.
 */
/** The reasons of a request refused before it became a message to send: its record's state is `failed`. */
export const unsentReasons = [
  'validation',
  'idempotency-conflict',
  'blocked-destination',
  'opted-out',
  'rate-limited-destination',
  'daily-cap',
] as const;
export type UnsentReason = (typeof unsentReasons)[number];

export const failureReasons = [
  'undeliverable',
  'expired',
  'rejected',
  'failed',
  ...unsentReasons,
  'unknown',
  'expired-before-submit',
] as const;
export type FailureReason = (typeof failureReasons)[number];

export function isUnsentReason(reason: FailureReason | undefined): reason is UnsentReason {
  return (unsentReasons as readonly (string | undefined)[]).includes(reason);
}

/** eventType values; the TEXT_* names are AWS End User Messaging's where one means the same thing. */
export const eventTypes = {
  submitted: 'TEXT_SUCCESSFUL',
  delivered: 'TEXT_DELIVERED',
  undeliverable: 'TEXT_UNREACHABLE',
  expired: 'TEXT_TTL_EXPIRED',
  rejected: 'TEXT_BLOCKED',
  /** The fleet could not get it to 8x8 (retries exhausted, too many parts, …). */
  failed: 'TEXT_CARRIER_UNREACHABLE',
  validation: 'TEXT_INVALID',
  'idempotency-conflict': 'TEXT_INVALID',
  /** Refused by the sender's own rules, as End User Messaging's protect configurations report it. */
  'blocked-destination': 'TEXT_BLOCKED',
  'opted-out': 'TEXT_BLOCKED',
  /** Over a velocity limit (core/velocityLimits.ts): refused by the sender's own rules too. */
  'rate-limited-destination': 'TEXT_BLOCKED',
  'daily-cap': 'TEXT_BLOCKED',
  unknown: 'TEXT_UNKNOWN',
  receiptUnmatched: 'TEXT_RECEIPT_UNMATCHED',
  inbound: 'TEXT_INBOUND',
  unreadable: 'TEXT_DELIVER_UNREADABLE',
  optedOut: 'TEXT_OPTED_OUT',
  'expired-before-submit': 'TEXT_TTL_EXPIRED',
} as const;

export const messageEncodings = ['GSM7', 'UCS2'] as const;
export type MessageEncoding = (typeof messageEncodings)[number];

/** Human-readable messageStatusDescription for each outcome; publishers may give a more specific one. */
export const defaultStatusDescriptions = {
  submitted: 'Accepted by 8x8',
  delivered: 'Delivered to the handset',
  undeliverable: 'The carrier could not deliver the message',
  expired: 'The message expired before it could be delivered',
  rejected: 'Rejected by 8x8 or the carrier',
  failed: 'The fleet could not submit the message',
  validation: 'The send request was invalid',
  'idempotency-conflict':
    'The idempotency key was already used for a different request; this one was not sent',
  'blocked-destination': 'The sub-account’s country rules do not allow this destination; it was not sent',
  'opted-out': 'The destination opted out of this sub-account’s messages; it was not sent',
  'rate-limited-destination':
    'The sub-account’s velocity limit for this destination number was reached; it was not sent',
  'daily-cap': 'The sub-account’s daily message cap was reached; it was not sent',
  unknown: 'The carrier did not report whether the message was delivered',
  'expired-before-submit': 'The validity period ran out before the message could be sent; it was not sent',
} as const satisfies Record<'submitted' | 'delivered' | FailureReason, string>;

const eventIdSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .describe(
    'Deterministic: the same state change always has the same id. Drop events whose id you have seen.',
  );
const timestampSchema = z.int().nonnegative().describe('When the state changed, epoch milliseconds.');
const contextSchema = z
  .record(z.string(), z.string())
  .describe('The send request’s context, copied as given ({} when it had none).');

const messageFields = {
  eventId: eventIdSchema,
  isFinal: z.boolean(),
  messageId: z.string().min(1).describe('The fleet’s id for the message (GET /messages/{id}).'),
  subAccount: z.string().min(1),
  destinationPhoneNumber: z.string().describe('E.164.'),
  originationIdentity: z.string().describe('The sender: alphanumeric sender ID or number.'),
  messageStatus: z.string(),
  messageStatusDescription: z.string(),
  context: contextSchema,
  clientReference: z.string().optional(),
  idempotencyKey: z.string().optional(),
  totalMessageParts: z.int().positive(),
  messageEncoding: z.enum(messageEncodings),
  smscMessageIds: z
    .array(z.string())
    .describe('8x8’s message id for each part, in part order (empty for parts it never accepted).'),
  eventTimestamp: timestampSchema,
};

const receiptFields = {
  receiptStatus: z.string().optional().describe('The receipt’s stat, e.g. DELIVRD, UNDELIV, EXPIRED.'),
  receiptErrorCode: z.string().optional().describe('The receipt’s err field as sent, e.g. "000".'),
};

export const submittedDetailSchema = z
  .strictObject({
    ...messageFields,
    eventType: z.literal(eventTypes.submitted),
    messageStatus: z.literal('SUCCESSFUL'),
  })
  .describe('Every part was accepted by 8x8 (submit_sm_resp OK). Final only when no receipt was asked for.');

export const deliveredDetailSchema = z
  .strictObject({
    ...messageFields,
    ...receiptFields,
    eventType: z.literal(eventTypes.delivered),
    messageStatus: z.literal('DELIVERED'),
    isFinal: z.literal(true),
  })
  .describe('Every part was delivered to the handset.');

export const failedDetailSchema = z
  .strictObject({
    ...messageFields,
    ...receiptFields,
    eventType: z.enum([
      eventTypes.undeliverable,
      eventTypes.expired,
      eventTypes.rejected,
      eventTypes.failed,
      eventTypes.validation,
      eventTypes.unknown,
    ]),
    isFinal: z.literal(true),
    reason: z.enum(failureReasons),
    // A request that failed validation may lack any of these.
    subAccount: z.string().optional(),
    destinationPhoneNumber: z.string().optional(),
    originationIdentity: z.string().optional(),
    totalMessageParts: z.int().positive().optional(),
    messageEncoding: z.enum(messageEncodings).optional(),
    smppCommandStatus: z.int().nonnegative().optional().describe('The final submit_sm_resp command_status.'),
    smppCommandStatusName: z.string().optional().describe('Its name, e.g. ESME_RINVDSTADR.'),
    validationErrors: z
      .array(z.strictObject({ field: z.string(), message: z.string() }))
      .optional()
      .describe('For reason "validation": every bad field of the request.'),
  })
  .describe('The message reached a final state other than delivered; `reason` says which.');

export const receiptUnmatchedDetailSchema = z
  .strictObject({
    eventId: eventIdSchema,
    eventType: z.literal(eventTypes.receiptUnmatched),
    isFinal: z.literal(true),
    subAccount: z.string(),
    smscMessageId: z.string().describe('The receipted id as 8x8 sent it.'),
    receiptStatus: z.string().optional(),
    receiptErrorCode: z.string().optional(),
    sourceAddress: z.string().describe('The receipt’s source_addr: the handset the message was sent to.'),
    destinationAddress: z.string().describe('The receipt’s destination_addr: the original sender.'),
    eventTimestamp: timestampSchema,
  })
  .describe(
    'A delivery receipt for a message id this fleet has no record of (sent by another system, or long ago).',
  );

export const inboundDetailSchema = z
  .strictObject({
    eventId: eventIdSchema,
    eventType: z.literal(eventTypes.inbound),
    inboundMessageId: z
      .string()
      .describe('8x8’s id for it when sent (TLV 0x1502), else a hash of its content.'),
    subAccount: z.string(),
    originationNumber: z.string().describe('Who sent it.'),
    destinationNumber: z.string().describe('The number or short code it was sent to.'),
    messageBody: z.string(),
    messageEncoding: z.string().describe('GSM7, UCS2, LATIN1 or BINARY (then messageBody is base64).'),
    eventTimestamp: timestampSchema,
  })
  .describe('A mobile-originated (MO) message received on one of the sub-account’s binds.');

export const unreadableDetailSchema = z
  .strictObject({
    eventId: eventIdSchema,
    eventType: z.literal(eventTypes.unreadable),
    subAccount: z.string(),
    reason: z.string().describe('What could not be read, e.g. a receipt whose text has no id.'),
    esmClass: z.int().nonnegative(),
    dataCoding: z.int().nonnegative(),
    sourceAddress: z.string(),
    destinationAddress: z.string(),
    shortMessageBase64: z.string().describe('short_message as 8x8 sent it.'),
    messagePayloadBase64: z.string().optional().describe('The message_payload TLV, when sent.'),
    receiptedMessageId: z.string().optional().describe('The receipted_message_id TLV, when sent.'),
    eventTimestamp: timestampSchema,
  })
  .describe(
    'A deliver_sm from 8x8 the fleet could not read (neither a receipt nor an inbound message it understands): ' +
      'answered so it is not redelivered for ever, kept with its raw bytes so nothing is lost. If it was a ' +
      'receipt, its message stays `submitted`; the bytes say which.',
  );

/** Who put a number on a sub-account's suppression list. */
export const optOutSources = ['inbound-keyword', 'api'] as const;
export type OptOutSource = (typeof optOutSources)[number];

export const optedOutDetailSchema = z
  .strictObject({
    eventId: eventIdSchema,
    eventType: z.literal(eventTypes.optedOut),
    isFinal: z.literal(true),
    subAccount: z.string(),
    phoneNumber: z.string().describe('E.164: the number no message of this sub-account is sent to any more.'),
    source: z
      .enum(optOutSources)
      .describe('`inbound-keyword`: the handset sent a stop keyword; `api`: PUT /suppressions/{number}.'),
    keyword: z
      .string()
      .optional()
      .describe('The stop keyword as matched (upper case), for `inbound-keyword`.'),
    inboundMessageId: z
      .string()
      .optional()
      .describe('The inbound message that carried the keyword (its SMS Inbound Message has the same id).'),
    eventTimestamp: timestampSchema,
  })
  .describe(
    'A number was put on the sub-account’s suppression list: sends to it are refused (reason `opted-out`) ' +
      'until DELETE /suppressions/{number}.',
  );

export const eventDetailSchemas = {
  [detailTypes.submitted]: submittedDetailSchema,
  [detailTypes.delivered]: deliveredDetailSchema,
  [detailTypes.failed]: failedDetailSchema,
  [detailTypes.receiptUnmatched]: receiptUnmatchedDetailSchema,
  [detailTypes.inbound]: inboundDetailSchema,
  [detailTypes.unreadable]: unreadableDetailSchema,
  [detailTypes.optedOut]: optedOutDetailSchema,
} as const satisfies Record<DetailType, z.ZodType>;

export type SubmittedDetail = z.output<typeof submittedDetailSchema>;
export type DeliveredDetail = z.output<typeof deliveredDetailSchema>;
export type FailedDetail = z.output<typeof failedDetailSchema>;
export type ReceiptUnmatchedDetail = z.output<typeof receiptUnmatchedDetailSchema>;
export type InboundDetail = z.output<typeof inboundDetailSchema>;
export type UnreadableDetail = z.output<typeof unreadableDetailSchema>;
export type OptedOutDetail = z.output<typeof optedOutDetailSchema>;

export type SmsEvent =
  | { detailType: typeof detailTypes.submitted; detail: SubmittedDetail }
  | { detailType: typeof detailTypes.delivered; detail: DeliveredDetail }
  | { detailType: typeof detailTypes.failed; detail: FailedDetail }
  | { detailType: typeof detailTypes.receiptUnmatched; detail: ReceiptUnmatchedDetail }
  | { detailType: typeof detailTypes.inbound; detail: InboundDetail }
  | { detailType: typeof detailTypes.unreadable; detail: UnreadableDetail }
  | { detailType: typeof detailTypes.optedOut; detail: OptedOutDetail };

/** sha-256 (hex) of the parts, JSON-encoded so that ("a|b", "c") and ("a", "b|c") never collide. */
export function deterministicEventId(...parts: readonly (string | number)[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The eventId of a message's state change; give `part` (0-based) for an event about one part. */
export function messageEventId(messageId: string, state: MessageState, part?: number): string {
  return part === undefined
    ? deterministicEventId('message', messageId, state)
    : deterministicEventId('message', messageId, state, part);
}

/** The eventId of a receipt this fleet could not match: one per receipted id and status. */
export function unmatchedReceiptEventId(
  subAccount: string,
  smscMessageId: string,
  receiptStatus: string,
): string {
  return deterministicEventId('receipt-unmatched', subAccount, smscMessageId, receiptStatus);
}

/** The eventId of an inbound message, from 8x8's id for it or (lacking one) a hash of its content. */
export function inboundEventId(subAccount: string, inboundMessageId: string): string {
  return deterministicEventId('inbound', subAccount, inboundMessageId);
}

/**
 * The eventId of a number's opt-out: from the inbound message that carried the keyword (a redelivered STOP
 * gives the same id), or from when the API put it.
 */
export function optedOutEventId(
  subAccount: string,
  phoneNumber: string,
  origin: { inboundMessageId: string } | { optedOutAt: number },
): string {
  return 'inboundMessageId' in origin
    ? deterministicEventId('opted-out', subAccount, phoneNumber, 'inbound', origin.inboundMessageId)
    : deterministicEventId('opted-out', subAccount, phoneNumber, 'api', origin.optedOutAt);
}

/**
 * Which event a message state publishes, if any (accepted and submitting publish none). `failed` names both
 * the fleet's own failures and requests never sent: the record's reason (one of `unsentReasons`) says which (core/messageEvents.ts).
 */
export function eventForState(
  state: MessageState,
): { detailType: DetailType; eventType: string; reason?: FailureReason } | undefined {
  switch (state) {
    case 'accepted':
    case 'submitting':
      return undefined;
    case 'submitted':
      return { detailType: detailTypes.submitted, eventType: eventTypes.submitted };
    case 'delivered':
      return { detailType: detailTypes.delivered, eventType: eventTypes.delivered };
    default:
      return { detailType: detailTypes.failed, eventType: eventTypes[state], reason: state };
  }
}

/** A PutEvents entry (structurally the SDK's PutEventsRequestEntry; core does not import the SDK). */
export interface EventEntry {
  Source: typeof eventSource;
  DetailType: DetailType;
  Detail: string;
  EventBusName: string;
  Time: Date;
}

export function toEventEntry(event: SmsEvent, eventBusName: string): EventEntry {
  return {
    Source: eventSource,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    EventBusName: eventBusName,
    Time: new Date(event.detail.eventTimestamp),
  };
}

export type JsonSchemaTarget = 'draft-2020-12' | 'draft-7' | 'draft-4' | 'openapi-3.0';

/**
 * JSON Schemas of every detail, by detail-type (for docs, subscribers' code generators and the EventBridge
 * schema registry, which takes draft-4 or OpenAPI 3).
 */
export function eventJsonSchemas(
  target: JsonSchemaTarget = 'draft-2020-12',
): Record<DetailType, Record<string, unknown>> {
  const schemas = {} as Record<DetailType, Record<string, unknown>>;
  for (const [detailType, schema] of Object.entries(eventDetailSchemas) as [DetailType, z.ZodType][]) {
    schemas[detailType] = {
      title: `${eventSource} ${detailType}`,
      ...z.toJSONSchema(schema, { target, io: 'output' }),
    };
  }
  return schemas;
}
