/**
 * The table operations the recording use case (MessageRecording.ts) is built from: each one call on one
 * item, conditional where it says so, answering "written" or what it found instead. DynamoDbRecordTables is
 * the adapter; the unit tests' fake (test/unit/records/InMemoryRecordTables.ts) keeps the same conditions in
 * memory. Nothing here decides what a message's state becomes: that is MessageRecording's and
 * recordTransitions.ts's.
 *
 * Keys are core/tableKeys.ts's: a record by message id, a correlation item by system_id and normalised SMSC
 * id (one item per id: its submission and/or a receipt that came first).
 */
import type { SmsEvent } from '../../core/events.js';
import type {
  MessageRecord,
  PartRecord,
  StoredReceipt,
  SubmitCorrelation,
} from '../../core/messageRecord.js';
import type { ItemKey } from '../../core/tableKeys.js';
import type { ClaimInput } from './MessageStore.js';

/** Record fields a submission or a receipt may change (everything else is set once, at the claim). */
export const changeableRecordFields = [
  'status',
  'parts',
  'encoding',
  'totalParts',
  'concatReference',
  'updatedAt',
  'submittedAt',
  'finalAt',
  'reason',
  'errorCode',
  'errorDescription',
  'smppCommandStatus',
  'smppCommandStatusName',
  'inDoubt',
  'inDoubtReasons',
  'claimExpiresAtMs',
] as const satisfies readonly (keyof MessageRecord)[];

/** Request fields a claim copies onto the record (this attempt's reading of the request wins). */
export const requestRecordFields = [
  'subAccount',
  'to',
  'from',
  'clientReference',
  'idempotencyKey',
  'context',
  'registeredDelivery',
  'validityPeriod',
] as const satisfies readonly (keyof MessageRecord)[];

/** Fields a claim sets only on a record that lacks them (what the API or an earlier attempt wrote stays). */
export const keptRecordFields = [
  'requestHash',
  'encoding',
  'totalParts',
  'concatReference',
  'expiresAt',
] as const;

/** A conditional write: made, or refused with the item as it is now (undefined when there is none). */
export type ConditionalWrite = { written: true } | { written: false; current: MessageRecord | undefined };

/** What a record write requires of the record it replaces. */
export interface RecordCondition {
  version: number;
  /** Also this claim token (a submission holds the claim). */
  claimToken?: string;
}

/** Fields to set on a record and on its first part: a change computed without reading the record. */
export interface FieldChanges {
  fields: Partial<MessageRecord>;
  firstPart: Partial<PartRecord>;
}

/** A correlation item as read: the submission it records, if any, and a receipt kept before it, if any. */
export interface CorrelationItem {
  submission?: SubmitCorrelation;
  earlyReceipt?: StoredReceipt;
}

/** Where a correlation item is: the system_id the SMSC knows and the normalised SMSC id. */
export interface CorrelationRef {
  systemId: string;
  normalisedSmscMessageId: string;
}

export interface RecordTables {
  getRecord(messageId: string): Promise<MessageRecord | undefined>;
  /**
   * Takes the message for this attempt: creates the record from `initial` when absent, or sets the claim on
   * one that is `accepted`, `submitting` with an expired or released claim, or already this token's.
   * Answers the record as it was before (undefined when created), or refuses with the current one.
   */
  claim(
    input: ClaimInput,
  ): Promise<
    { taken: true; before: MessageRecord | undefined } | { taken: false; current: MessageRecord | undefined }
  >;
  /** Sets every changeable field `record` has, and version + 1, if the condition holds. */
  updateRecord(record: MessageRecord, condition: RecordCondition): Promise<ConditionalWrite>;
  /**
   * Sets `changes` and version + 1 on a one-part record that is still `submitted` (message and part): the
   * receipt's write when the record's state is known without reading it. The record after, or undefined when
   * the record was not in that state.
   */
  updateOnePartSubmitted(messageId: string, changes: FieldChanges): Promise<MessageRecord | undefined>;
  /** Creates the record, unless one exists that is not `accepted`. */
  putRecordUnlessMoved(record: MessageRecord): Promise<ConditionalWrite>;
  /** Writes an event item for the stream to announce; a copy finds the first and changes nothing. */
  putEventItem(key: ItemKey, event: SmsEvent): Promise<void>;

  getCorrelation(ref: CorrelationRef): Promise<CorrelationItem>;
  /**
   * Records the submission on the id's item and answers with the receipt kept there before it, if any (the
   * item is taken off the reconciler's list of receipts awaiting their submission).
   */
  setSubmission(
    ref: CorrelationRef,
    submission: SubmitCorrelation & { createdAt: number; expiresAt: number },
  ): Promise<StoredReceipt | undefined>;
  /**
   * Keeps a receipt on the id's item while it has no submission (a final one is never replaced), listed for
   * the reconciler. Refused with the submission that beat it, or with none when an equal or more final
   * receipt is kept already.
   */
  keepEarlyReceipt(
    ref: CorrelationRef,
    subAccount: string,
    receipt: StoredReceipt,
  ): Promise<{ kept: true } | { kept: false; submission?: SubmitCorrelation }>;
  /** Takes a reported receipt off the reconciler's list; the receipt itself stays on its item. */
  unlistAwaiting(ref: CorrelationRef): Promise<void>;
}
