/**
 * Pure changes to a message record: a receipt applied to one part, and the message's state rolled up from
 * its parts (core/messageState.ts mergePartStates). Both the receipt path and the sending path (for a
 * receipt that came before its submit_sm_resp was recorded) use these, so a receipt has the same effect
 * whichever path applies it. The events of a change are the table's stream's (core/recordChangeEvents.ts).
 */
import { defaultStatusDescriptions } from '../../core/events.js';
import { describeReceiptError } from '../../core/messageEvents.js';
import { type MessageRecord, type PartRecord, statOfReceiptState } from '../../core/messageRecord.js';
import { isFinalState, type MessageState, mergePartStates, nextState } from '../../core/messageState.js';
import type { ReceiptState } from '../receipts/deliveryReceipt.js';

/** What a receipt says about its part: the message state it means (none while the carrier still works on it). */
const messageStateOfReceiptState: Readonly<Record<ReceiptState, MessageState | undefined>> = {
  delivered: 'delivered',
  expired: 'expired',
  deleted: 'undeliverable',
  undeliverable: 'undeliverable',
  rejected: 'rejected',
  unknown: 'unknown',
  accepted: undefined,
  enroute: undefined,
};

export function messageStateOfReceipt(state: ReceiptState): MessageState | undefined {
  return messageStateOfReceiptState[state];
}

/** The facts of a receipt that change a record. */
export interface ReceiptFacts {
  state: ReceiptState;
  /** err without leading zeros, as DeliveryReceipt gives it. */
  errorCode?: string;
}

export interface RecordChange {
  record: MessageRecord;
  /** Anything in the record changed (and must be written). */
  changed: boolean;
  /** The message's own state changed. */
  messageChanged: boolean;
}

/**
 * Applies a receipt to part `partNumber` (1-based) and rolls the message up. A duplicate, or a receipt
 * older than what the part already has (ENROUTE after DELIVRD), changes nothing. The message state moves
 * only as `nextState` allows, so a final message keeps its first outcome.
 */
export function applyReceiptToRecord(
  record: MessageRecord,
  partNumber: number,
  receipt: ReceiptFacts,
  now: number,
): RecordChange {
  const index = partNumber - 1;
  const part = record.parts[index];
  if (part === undefined) return { record, changed: false, messageChanged: false };

  const incoming = messageStateOfReceipt(receipt.state);
  const stat = statOfReceiptState[receipt.state];
  const partMove =
    incoming === undefined ? { state: part.status, changed: false } : nextState(part.status, incoming);
  // A non-final receipt is news only while the part is not final and it differs from the last one.
  const infoIsNews =
    !isFinalState(part.status) &&
    (part.receiptStatus !== stat || part.receiptErrorCode !== receipt.errorCode);
  if (!partMove.changed && !infoIsNews) return { record, changed: false, messageChanged: false };

  const nextPart: PartRecord = {
    ...part,
    status: partMove.state,
    receiptStatus: stat,
    receiptAt: now,
    ...(receipt.errorCode === undefined ? {} : { receiptErrorCode: receipt.errorCode }),
  };
  const parts = record.parts.map((p, i) => (i === index ? nextPart : p));
  return rollUp({ ...record, parts, updatedAt: now }, now, {
    receiptStatus: stat,
    ...(receipt.errorCode === undefined ? {} : { receiptErrorCode: receipt.errorCode }),
  });
}

/**
 * Sets the message state from its parts when `nextState` allows it. `receipt` names the receipt that caused
 * it (for a failure, copied into the error fields).
 * Called after the parts changed, so the result is always `changed`.
 */
export function rollUp(
  record: MessageRecord,
  now: number,
  receipt?: { receiptStatus: string; receiptErrorCode?: string },
): RecordChange {
  const merged = mergePartStates(record.parts.map((part) => part.status));
  const move = nextState(record.status, merged);
  if (!move.changed) return { record, changed: true, messageChanged: false };
  let next: MessageRecord = { ...record, status: move.state, updatedAt: now };
  if (move.state === 'submitted' && next.submittedAt === undefined) next.submittedAt = now;
  if (isFinalState(move.state)) {
    next.finalAt = now;
    if (move.state !== 'delivered' && receipt !== undefined) {
      next = {
        ...next,
        reason: move.state === 'failed' ? 'failed' : move.state,
        errorCode: receipt.receiptErrorCode ?? next.errorCode,
      };
      const described = describeReceiptError(receipt.receiptErrorCode);
      if (described !== undefined) {
        next.errorDescription = `${defaultStatusDescriptions[next.reason ?? 'failed']}: ${described}`;
      }
    }
  }
  return { record: next, changed: true, messageChanged: true };
}
