/**
 * Message record + state change → the event to publish (core/events.ts shapes); the records-stream consumer
 * builds each change's events with it (core/recordChangeEvents.ts). Pure: the same record and state give the
 * same event.
 */
import {
  defaultStatusDescriptions,
  detailTypes,
  eventForState,
  eventTypes,
  type FailedDetail,
  type FailureReason,
  isUnsentReason,
  messageEventId,
  type SmsEvent,
  unmatchedReceiptEventId,
} from './events.js';
import type { FieldError } from './fieldErrors.js';
import {
  type MessageRecord,
  type StoredReceipt,
  smscMessageIdsOf,
  statOfReceiptState,
} from './messageRecord.js';
import type { MessageState } from './messageState.js';

/** 8x8's receipt err codes that mean something to a reader (8x8-smpp-facts.md). */
const receiptErrorDescriptions: Readonly<Record<string, string>> = {
  '1': 'Absent subscriber',
  '15': 'Invalid destination',
  '36': 'Expired',
  '43': 'Blocked by a spam filter',
  '50': 'Throttled by the carrier',
  '51': 'Timeout',
};

/** The receipt err, described when 8x8 documents it. */
export function describeReceiptError(errorCode: string | undefined): string | undefined {
  return errorCode === undefined ? undefined : receiptErrorDescriptions[errorCode];
}

export interface StateChangeExtras {
  /** The receipt that caused the change, if one did. */
  receiptStatus?: string;
  receiptErrorCode?: string;
}

/** How the event's `messageStatus` spells each state (AWS End User Messaging writes upper case). */
function messageStatusOf(state: MessageState, reason: FailureReason | undefined): string {
  if (state === 'submitted') return 'SUCCESSFUL';
  if (reason === 'validation' || reason === 'idempotency-conflict') return 'INVALID';
  if (reason === 'blocked-destination') return 'BLOCKED';
  if (reason === 'opted-out') return 'OPTED_OUT';
  if (reason === 'expired-before-submit') return 'EXPIRED';
  if (reason === 'rate-limited-destination' || reason === 'daily-cap') return 'RATE_LIMITED';
  return state.toUpperCase();
}

/**
 * The event for `record` having just reached `state` (its status, already set on `record`), at `at` (epoch
 * ms); undefined for states that publish none (accepted, submitting).
 */
export function stateChangeEvent(
  record: MessageRecord,
  state: MessageState,
  at: number,
  extras: StateChangeExtras = {},
): SmsEvent | undefined {
  const kind = eventForState(state);
  if (kind === undefined) return undefined;
  // A request never sent is where the state alone does not tell the reason (`failed`, or `expired` in time).
  const reason: FailureReason | undefined =
    kind.reason === undefined
      ? undefined
      : state === 'failed' && isUnsentReason(record.reason)
        ? record.reason
        : state === 'expired' && record.reason === 'expired-before-submit'
          ? record.reason
          : kind.reason;
  const common = {
    eventId: messageEventId(record.messageId, state),
    messageId: record.messageId,
    subAccount: record.subAccount,
    messageStatus: messageStatusOf(state, reason),
    context: record.context ?? {},
    ...(record.clientReference === undefined ? {} : { clientReference: record.clientReference }),
    ...(record.idempotencyKey === undefined ? {} : { idempotencyKey: record.idempotencyKey }),
    smscMessageIds: smscMessageIdsOf(record),
    eventTimestamp: at,
  };
  const receipt = {
    ...(extras.receiptStatus === undefined ? {} : { receiptStatus: extras.receiptStatus }),
    ...(extras.receiptErrorCode === undefined ? {} : { receiptErrorCode: extras.receiptErrorCode }),
  };
  const addresses = { destinationPhoneNumber: record.to ?? '', originationIdentity: record.from ?? '' };
  const totalMessageParts = Math.max(record.totalParts ?? 0, record.parts.length, 1);
  const messageEncoding = record.encoding ?? 'GSM7';

  if (state === 'submitted') {
    return {
      detailType: detailTypes.submitted,
      detail: {
        ...common,
        ...addresses,
        eventType: eventTypes.submitted,
        messageStatus: 'SUCCESSFUL',
        isFinal: record.registeredDelivery === false,
        messageStatusDescription: defaultStatusDescriptions.submitted,
        totalMessageParts,
        messageEncoding,
      },
    };
  }
  if (state === 'delivered') {
    return {
      detailType: detailTypes.delivered,
      detail: {
        ...common,
        ...addresses,
        ...receipt,
        eventType: eventTypes.delivered,
        messageStatus: 'DELIVERED',
        isFinal: true,
        messageStatusDescription: defaultStatusDescriptions.delivered,
        totalMessageParts,
        messageEncoding,
      },
    };
  }
  const failureReason = reason ?? 'failed';
  const { subAccount, ...withoutSubAccount } = common;
  const detail: FailedDetail = {
    ...withoutSubAccount,
    ...(subAccount === '' ? {} : { subAccount }),
    ...(record.to === undefined ? {} : { destinationPhoneNumber: record.to }),
    ...(record.from === undefined ? {} : { originationIdentity: record.from }),
    ...receipt,
    eventType: eventTypes[failureReason],
    isFinal: true,
    reason: failureReason,
    messageStatusDescription: failureDescription(record, failureReason, extras),
    ...(record.totalParts === undefined && record.parts.length === 0 ? {} : { totalMessageParts }),
    ...(record.encoding === undefined ? {} : { messageEncoding: record.encoding }),
    ...(record.smppCommandStatus === undefined ? {} : { smppCommandStatus: record.smppCommandStatus }),
    ...(record.smppCommandStatusName === undefined
      ? {}
      : { smppCommandStatusName: record.smppCommandStatusName }),
    ...(record.validationErrors === undefined
      ? {}
      : { validationErrors: copyFieldErrors(record.validationErrors) }),
  };
  return { detailType: detailTypes.failed, detail };
}

function failureDescription(record: MessageRecord, reason: FailureReason, extras: StateChangeExtras): string {
  if (record.errorDescription !== undefined) return record.errorDescription;
  const receiptError = describeReceiptError(extras.receiptErrorCode);
  return receiptError === undefined
    ? defaultStatusDescriptions[reason]
    : `${defaultStatusDescriptions[reason]}: ${receiptError}`;
}

const copyFieldErrors = (errors: readonly FieldError[]): FieldError[] =>
  errors.map(({ field, message }) => ({ field, message }));

/**
 * `SMS Delivery Receipt Unmatched` for a receipt kept without its submission: the worker's timer and the
 * reconciler's sweep build the same event (and id) for it, so it is announced once whoever reports it.
 */
export function unmatchedReceiptEvent(
  subAccount: string,
  receipt: StoredReceipt,
  nowMs: number,
): Extract<SmsEvent, { detailType: typeof detailTypes.receiptUnmatched }> {
  const stat =
    statOfReceiptState[receipt.state as keyof typeof statOfReceiptState] ?? receipt.state.toUpperCase();
  return {
    detailType: detailTypes.receiptUnmatched,
    detail: {
      eventId: unmatchedReceiptEventId(subAccount, receipt.smscMessageId, stat),
      eventType: eventTypes.receiptUnmatched,
      isFinal: true,
      subAccount,
      smscMessageId: receipt.rawMessageId,
      receiptStatus: stat,
      ...(receipt.errorCode === undefined ? {} : { receiptErrorCode: receipt.errorCode }),
      sourceAddress: receipt.sourceAddress ?? '',
      destinationAddress: receipt.destinationAddress ?? '',
      eventTimestamp: nowMs,
    },
  };
}
