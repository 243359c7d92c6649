/**
 * The port through which sending and receipts read and write message records and SMSC-id correlation:
 * MessageRecording over RecordTables (DynamoDbMessageStore in production, fake tables in unit tests).
 * Nothing here publishes: the messages table's change stream announces every state a write records, and
 * every event item (`announce`), once written (core/recordChangeEvents.ts).
 */
import type { InboundDetail, ReceiptUnmatchedDetail, UnreadableDetail } from '../../core/events.js';
import type { MessageRecord, StoredReceipt, SubmitCorrelation } from '../../core/messageRecord.js';
import type { DeliveryReceipt } from '../receipts/deliveryReceipt.js';

export interface ClaimInput {
  messageId: string;
  /** The record to create when there is none; for an existing `accepted` one, its request fields are set. */
  initial: MessageRecord;
  /** This attempt's random token and the worker's id. */
  claimToken: string;
  claimOwner: string;
  now: number;
  claimTtlMs: number;
}

/** How the message was found when it was claimed. */
export type ClaimedFrom =
  /** No record: first sight of the message. */
  | 'none'
  /** Recorded by the API, never handed to a worker. */
  | 'accepted'
  /**
   * A previous attempt stopped cleanly and recorded what it sent (parts with an SMSC id are done), or this
   * attempt's own earlier claim call, whose answer was lost, had already taken it.
   */
  | 'released'
  /** A previous attempt's claim ran out without a record of its outcome: it may have sent any part. */
  | 'expired';

export type ClaimResult =
  | { kind: 'claimed'; record: MessageRecord; from: ClaimedFrom; previousOwner?: string }
  /** Submitted or final already: nothing to send. */
  | { kind: 'done'; record: MessageRecord }
  /** Another attempt holds a live claim; try again after `retryAfterMs`. */
  | { kind: 'busy'; record: MessageRecord; retryAfterMs: number };

export interface AcceptedPart {
  partNumber: number;
  smscMessageId: string;
  normalisedSmscMessageId: string;
}

export interface RecordedChange {
  record: MessageRecord;
}

export interface RecordSubmissionInput {
  /** The record as claimed by this attempt (its version is the write's condition). */
  base: MessageRecord;
  claimToken: string;
  /**
   * This attempt's outcome applied to a record: parts, status, error fields, the claim released or not.
   * Pure; called again on a fresh record if a receipt moved it meanwhile.
   */
  settle: (base: MessageRecord) => RecordedChange;
  /** Parts newly accepted by 8x8 in this attempt: each one's correlation item gets the submission. */
  accepted: readonly AcceptedPart[];
  now: number;
}

export type ValidationFailureResult =
  | { kind: 'recorded'; record: MessageRecord }
  /** A record already existed (submitted, final, or claimed): it was left alone. */
  | { kind: 'exists'; record: MessageRecord };

export type ApplyReceiptResult =
  /** Matched to a part of a message; `changed` says whether the record moved. */
  | {
      kind: 'applied';
      correlation: SubmitCorrelation;
      record: MessageRecord;
      changed: boolean;
    }
  /** No submission yet: the receipt is kept and will be applied when the submission is recorded. */
  | { kind: 'stored-early' }
  /** An equal or more final early receipt was already kept for this id. */
  | { kind: 'already-stored' }
  /** A correlation item points at a message record that does not exist (deleted, or expired by TTL). */
  | { kind: 'orphaned'; correlation: SubmitCorrelation };

export interface ApplyReceiptInput {
  subAccount: string;
  receipt: DeliveryReceipt;
  now: number;
  /** The deliver_sm's addresses, kept with an early receipt for the "unmatched" event. */
  sourceAddress?: string;
  destinationAddress?: string;
}

export type EarlyReceiptCheck =
  | { kind: 'gone' }
  | { kind: 'matched' }
  | { kind: 'unmatched'; receipt: StoredReceipt };

/** What an event item announces, with what keys it. */
export type Announcement =
  /** A deliver_sm the worker could not read, with its bytes; `contentHash` (of them) keys it. */
  | { kind: 'unreadable'; detail: UnreadableDetail; contentHash: string }
  | { kind: 'inbound'; detail: InboundDetail }
  /** An early receipt still without its submission after the grace period. */
  | { kind: 'unmatched'; detail: ReceiptUnmatchedDetail; normalisedSmscMessageId: string };

export interface MessageStore {
  /**
   * Claims the message for sending. Creates it (from `initial`) when absent; takes over `accepted`,
   * a released `submitting`, or a `submitting` whose claim expired; reports `done` for submitted and final
   * records and `busy` while another attempt's claim is live. Repeating a claim with the same token (after
   * a failed call) is safe: it finds its own claim and takes it again.
   */
  claim(input: ClaimInput): Promise<ClaimResult>;
  /**
   * Writes the attempt's outcome, conditional on still holding the claim, after recording each newly
   * accepted part on its correlation item. An early receipt kept for one of those ids is applied to its part
   * in the same write. Throws ClaimLostError if the claim is no longer this attempt's.
   */
  recordSubmission(input: RecordSubmissionInput): Promise<RecordedChange>;
  /** Creates a `failed` record for a request that failed validation, unless a record already exists. */
  recordValidationFailure(record: MessageRecord): Promise<ValidationFailureResult>;
  /**
   * A submit_sm_resp that came after the part was given up on or resent: adds its id to the part
   * (as its SMSC id if it had none, else as an extra id) and to its correlation item, applying any early receipt.
   */
  attachLateSmscMessageId(input: {
    messageId: string;
    subAccount: string;
    part: AcceptedPart;
    now: number;
  }): Promise<RecordedChange | undefined>;
  /** Correlates a receipt by its normalised id and applies it, or keeps it as an early receipt. */
  applyReceipt(input: ApplyReceiptInput): Promise<ApplyReceiptResult>;
  /** Whether an early receipt is still waiting for its submit. */
  checkEarlyReceipt(subAccount: string, normalisedSmscMessageId: string): Promise<EarlyReceiptCheck>;
  /**
   * Writes an event item, which the stream then publishes: what the SMSC sent that is not a message record.
   * Idempotent: a copy (a redelivered deliver_sm, a second check) finds the first and changes nothing.
   */
  announce(announcement: Announcement): Promise<void>;
  getMessage(messageId: string): Promise<MessageRecord | undefined>;
}
