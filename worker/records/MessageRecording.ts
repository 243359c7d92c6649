/**
 * The recording use case: the MessageStore port (what sending and receipts ask for) over RecordTables (what
 * the tables do). What a message's state becomes is recordTransitions.ts's; this module decides which table
 * operations make it so, in which order, and what to do when a condition refuses one:
 *
 * - **Claim**: one conditional write; a refusal says whether the message is done or busy.
 * - **Submission** (and a late SMSC id): each accepted part's correlation item first (none for a message
 *   that asked for no receipt), each answering with a receipt kept there before it; then the record, computed by `settle` with those receipts applied, written
 *   conditional on the version it was computed from (and the claim token). A receipt that moved the record
 *   meanwhile refuses the write, and `settle` runs again on what is there now. A crash between the two leaves
 *   ids that still correlate to the message, whose next attempt treats its parts as in doubt.
 * - **Receipt**: the correlation item's submission, then the record: first as one write assuming the common
 *   case (a one-part message already `submitted`, the change computed by the same pure transition), else a
 *   read-modify-write conditional on the version, retried while other writers move it. No submission yet:
 *   the receipt is kept on the item, and a refusal hands over a submission that beat it.
 * - **Event items** for what the SMSC sent that is not a record; an unmatched receipt's report also takes it
 *   off the reconciler's list.
 *
 * Writes to one message are serialised in this process (#perMessage). The conditions make them correct across
 * workers; the queue saves the conflicts and retries when a receipt and its submission meet in one process,
 * and keeps the emulator (whose conditional writes are not atomic under concurrent requests) from losing one
 * of two such writes.
 */
import { detailTypes, type SmsEvent } from '../../core/events.js';
import type {
  MessageRecord,
  PartRecord,
  StoredReceipt,
  SubmitCorrelation,
} from '../../core/messageRecord.js';
import { nextState } from '../../core/messageState.js';
import { correlationExpiresAt, eventItemKeys } from '../../core/tableKeys.js';
import type { DeliveryReceipt } from '../receipts/deliveryReceipt.js';
import { KeyedSerialQueue } from '../runtime/KeyedSerialQueue.js';
import { ClaimLostError, MessageStoreError } from './errors.js';
import type {
  AcceptedPart,
  Announcement,
  ApplyReceiptInput,
  ApplyReceiptResult,
  ClaimInput,
  ClaimResult,
  EarlyReceiptCheck,
  MessageStore,
  RecordedChange,
  RecordSubmissionInput,
  ValidationFailureResult,
} from './MessageStore.js';
import {
  type CorrelationRef,
  type FieldChanges,
  type RecordTables,
  requestRecordFields,
} from './RecordTables.js';
import { applyReceiptToRecord, type ReceiptFacts, rollUp } from './recordTransitions.js';

export interface MessageRecordingOptions {
  tables: RecordTables;
  /**
   * Sub-account id → the SMPP system_id it binds as. Correlation items are keyed by system_id: 8x8 sends a
   * receipt to any bind of the system_id, so two sub-accounts that share one find each other's submissions
   * (core/tableKeys.ts). A sub-account not listed is its own system_id (the config's default).
   */
  systemIds?: Readonly<Record<string, string>>;
  /** Tries of a read-modify-write that keeps meeting concurrent changes. @default 8 */
  maxConflictRetries?: number;
  /**
   * How many of this process's latest submissions (SMSC id → message and part) it remembers, so that a
   * receipt for one of them, arriving on one of its own binds, needs no read of its correlation item.
   * @default 50_000 (about four minutes of a sub-account at 200 messages/s; ~10 MB)
   */
  recentSubmissions?: number;
}

/** A record write plus the correlation items that go first. */
interface CorrelatedWrite {
  messageId: string;
  subAccount: string;
  validityPeriod: number | undefined;
  /** The record the write is computed from; its version is the condition. */
  base: MessageRecord;
  /** Also require this claim token (a submission); a late id needs only the version. */
  claimToken?: string;
  accepted: readonly AcceptedPart[];
  /** The record after this attempt's own changes, computed from `base` (called again if base moved). */
  settle: (base: MessageRecord) => RecordedChange;
  now: number;
}

const announcedDetailTypes = {
  unreadable: detailTypes.unreadable,
  inbound: detailTypes.inbound,
  unmatched: detailTypes.receiptUnmatched,
} as const satisfies Record<Announcement['kind'], string>;

export class MessageRecording implements MessageStore {
  readonly #tables: RecordTables;
  readonly #systemIds: Readonly<Record<string, string>>;
  readonly #maxConflictRetries: number;
  readonly #perMessage = new KeyedSerialQueue();
  /**
   * Submissions this process recorded, oldest first (a Map keeps insertion order), by correlation key.
   * 8x8 sends a receipt to any bind of the system_id, so with W workers holding a sub-account's binds about
   * 1/W of its receipts come to the worker that recorded their submission; those skip the read. An SMSC id
   * names one submission for good (the resp said so), so an entry is never stale; a miss reads the item.
   */
  readonly #recent = new Map<string, SubmitCorrelation>();
  readonly #recentLimit: number;

  constructor(options: MessageRecordingOptions) {
    this.#tables = options.tables;
    this.#systemIds = options.systemIds ?? {};
    this.#maxConflictRetries = options.maxConflictRetries ?? 8;
    this.#recentLimit = options.recentSubmissions ?? 50_000;
  }

  claim(input: ClaimInput): Promise<ClaimResult> {
    return this.#perMessage.run(input.messageId, () => this.#claimUnlocked(input));
  }

  async #claimUnlocked(input: ClaimInput): Promise<ClaimResult> {
    const { now } = input;
    const claimExpiresAtMs = now + input.claimTtlMs;
    const result = await this.#tables.claim(input);
    if (result.taken) {
      const old = result.before;
      const from =
        old === undefined
          ? 'none'
          : old.status === 'accepted'
            ? 'accepted'
            : old.claimExpiresAtMs === 0 || old.claimToken === input.claimToken
              ? 'released'
              : 'expired';
      return {
        kind: 'claimed',
        record: claimedRecord(old, input, claimExpiresAtMs),
        from,
        ...(old?.claimOwner === undefined ? {} : { previousOwner: old.claimOwner }),
      };
    }
    const current = result.current;
    if (current === undefined) return { kind: 'busy', record: input.initial, retryAfterMs: 1_000 };
    if (current.status === 'submitting') {
      const retryAfterMs = Math.max(1_000, (current.claimExpiresAtMs ?? now) - now + 500);
      return { kind: 'busy', record: current, retryAfterMs };
    }
    return { kind: 'done', record: current };
  }

  recordSubmission(input: RecordSubmissionInput): Promise<RecordedChange> {
    const { base } = input;
    return this.#writeCorrelated({
      messageId: base.messageId,
      subAccount: base.subAccount,
      validityPeriod: base.validityPeriod,
      base,
      claimToken: input.claimToken,
      accepted: input.accepted,
      settle: input.settle,
      now: input.now,
    });
  }

  async recordValidationFailure(record: MessageRecord): Promise<ValidationFailureResult> {
    const existing = await this.#tables.getRecord(record.messageId);
    if (existing !== undefined && existing.status !== 'accepted') return { kind: 'exists', record: existing };
    const result = await this.#tables.putRecordUnlessMoved(record);
    if (result.written) return { kind: 'recorded', record };
    if (result.current === undefined)
      throw new MessageStoreError('recordValidationFailure (no record found)');
    return { kind: 'exists', record: result.current };
  }

  async attachLateSmscMessageId(input: {
    messageId: string;
    subAccount: string;
    part: AcceptedPart;
    now: number;
  }): Promise<RecordedChange | undefined> {
    const base = await this.#tables.getRecord(input.messageId);
    if (base === undefined) return undefined;
    const { part, now } = input;
    return this.#writeCorrelated({
      messageId: input.messageId,
      subAccount: input.subAccount,
      validityPeriod: base.validityPeriod,
      base,
      accepted: [part],
      settle: (current) => withLateSmscMessageId(current, part, now),
      now,
    });
  }

  async applyReceipt(input: ApplyReceiptInput): Promise<ApplyReceiptResult> {
    const { subAccount, receipt, now } = input;
    const ref = this.#ref(subAccount, receipt.smscMessageId);
    const recent = this.#recent.get(recentKey(ref));
    if (recent !== undefined) return this.#applyToMessage(recent, receipt, now);
    const { submission } = await this.#tables.getCorrelation(ref);
    if (submission !== undefined) return this.#applyToMessage(submission, receipt, now);

    // No submission yet: keep the receipt on the item while there is still none. A submission recorded since
    // the read refuses it and comes back; one recorded after it gets the receipt in its own answer.
    const kept = await this.#tables.keepEarlyReceipt(ref, subAccount, {
      smscMessageId: receipt.smscMessageId,
      rawMessageId: receipt.rawMessageId,
      state: receipt.state,
      final: receipt.final,
      receivedAt: now,
      ...(receipt.errorCode === undefined ? {} : { errorCode: receipt.errorCode }),
      ...(receipt.doneDate === undefined ? {} : { doneDate: receipt.doneDate }),
      ...(input.sourceAddress === undefined ? {} : { sourceAddress: input.sourceAddress }),
      ...(input.destinationAddress === undefined ? {} : { destinationAddress: input.destinationAddress }),
    });
    if (kept.kept) return { kind: 'stored-early' };
    if (kept.submission !== undefined) return this.#applyToMessage(kept.submission, receipt, now);
    // Kept already, by an earlier copy.
    return { kind: 'already-stored' };
  }

  async checkEarlyReceipt(subAccount: string, normalisedSmscMessageId: string): Promise<EarlyReceiptCheck> {
    const item = await this.#tables.getCorrelation(this.#ref(subAccount, normalisedSmscMessageId));
    if (item.submission !== undefined) return { kind: 'matched' };
    return item.earlyReceipt === undefined
      ? { kind: 'gone' }
      : { kind: 'unmatched', receipt: item.earlyReceipt };
  }

  async announce(announcement: Announcement): Promise<void> {
    const { detail } = announcement;
    const systemId = this.#systemId(detail.subAccount);
    const key =
      announcement.kind === 'unreadable'
        ? eventItemKeys.unreadable(systemId, announcement.contentHash)
        : announcement.kind === 'inbound'
          ? eventItemKeys.inbound(systemId, announcement.detail.inboundMessageId)
          : eventItemKeys.unmatched(
              systemId,
              announcement.normalisedSmscMessageId,
              announcement.detail.receiptStatus ?? '',
            );
    await this.#tables.putEventItem(key, {
      detailType: announcedDetailTypes[announcement.kind],
      detail,
    } as SmsEvent);
    if (announcement.kind === 'unmatched')
      await this.#tables.unlistAwaiting({
        systemId,
        normalisedSmscMessageId: announcement.normalisedSmscMessageId,
      });
  }

  getMessage(messageId: string): Promise<MessageRecord | undefined> {
    return this.#tables.getRecord(messageId);
  }

  /** What correlation items are keyed by: the sub-account's system_id. */
  #systemId(subAccount: string): string {
    return this.#systemIds[subAccount] ?? subAccount;
  }

  #ref(subAccount: string, normalisedSmscMessageId: string): CorrelationRef {
    return { systemId: this.#systemId(subAccount), normalisedSmscMessageId };
  }

  #applyToMessage(
    submission: SubmitCorrelation,
    receipt: DeliveryReceipt,
    now: number,
  ): Promise<ApplyReceiptResult> {
    return this.#perMessage.run(submission.messageId, () =>
      this.#applyToMessageUnlocked(submission, receipt, now),
    );
  }

  async #applyToMessageUnlocked(
    correlation: SubmitCorrelation,
    receipt: DeliveryReceipt,
    now: number,
  ): Promise<ApplyReceiptResult> {
    const facts: ReceiptFacts = {
      state: receipt.state,
      ...(receipt.errorCode === undefined ? {} : { errorCode: receipt.errorCode }),
    };
    if (correlation.totalParts === 1 && correlation.partNumber === 1) {
      // Most receipts come seconds after a one-part submission was recorded: write the change a read would
      // have computed, conditional on the record being in that state. Anything else falls through to a read.
      const assumed = assumedOnePartSubmitted(correlation.messageId);
      const change = applyReceiptToRecord(assumed, 1, facts, now);
      if (change.changed) {
        const record = await this.#tables.updateOnePartSubmitted(
          correlation.messageId,
          changedFields(assumed, change.record),
        );
        if (record !== undefined) return { kind: 'applied', correlation, record, changed: true };
      }
    }
    for (let attempt = 0; attempt < this.#maxConflictRetries; attempt += 1) {
      const record = await this.#tables.getRecord(correlation.messageId);
      if (record === undefined) return { kind: 'orphaned', correlation };
      const change = applyReceiptToRecord(record, correlation.partNumber, facts, now);
      if (!change.changed) return { kind: 'applied', correlation, record, changed: false };
      const written = await this.#tables.updateRecord(change.record, { version: record.version });
      if (written.written)
        return {
          kind: 'applied',
          correlation,
          record: { ...change.record, version: record.version + 1 },
          changed: true,
        };
    }
    throw new MessageStoreError('applyReceipt (the record kept changing)');
  }

  #writeCorrelated(write: CorrelatedWrite): Promise<RecordedChange> {
    return this.#perMessage.run(write.messageId, () => this.#writeCorrelatedUnlocked(write));
  }

  async #writeCorrelatedUnlocked(write: CorrelatedWrite): Promise<RecordedChange> {
    const { now } = write;
    const totalParts = Math.max(write.base.totalParts ?? 0, write.base.parts.length);
    // A message sent without registered_delivery gets no receipt (8x8 sends none), so its SMSC ids have
    // nothing to meet: no correlation write. A receipt that came anyway is kept and reported unmatched.
    const correlated = write.base.registeredDelivery === false ? [] : write.accepted;
    // One write per part, not a batch: BatchWriteItem cannot answer with the item it replaced, and that
    // answer is what saves a read for early receipts. Most messages have one part. BatchExecuteStatement
    // could batch these (INSERT, falling back on DuplicateItem), but the emulator cannot run it
    // (bench/partiqlProbe.ts; docs/benchmarks.md section 3).
    const early = await Promise.all(
      correlated.map(async (part) => {
        const ref = this.#ref(write.subAccount, part.normalisedSmscMessageId);
        const submission: SubmitCorrelation = {
          messageId: write.messageId,
          partNumber: part.partNumber,
          totalParts,
          smscMessageId: part.smscMessageId,
        };
        // Remembered before the write: a receipt that comes meanwhile (8x8 can send it right after the
        // resp) then waits for this write under the message's lock instead of reading the item.
        this.#remember(ref, submission);
        const receipt = await this.#tables.setSubmission(ref, {
          ...submission,
          createdAt: now,
          expiresAt: correlationExpiresAt(now, write.validityPeriod),
        });
        return receipt === undefined ? undefined : { partNumber: part.partNumber, receipt };
      }),
    );
    const receipts = early.filter((found) => found !== undefined);

    let base = write.base;
    for (let round = 0; round < this.#maxConflictRetries; round += 1) {
      let { record } = write.settle(base);
      for (const { partNumber, receipt } of receipts) {
        record = applyReceiptToRecord(record, partNumber, storedFacts(receipt), now).record;
      }
      const written = await this.#tables.updateRecord(record, {
        version: base.version,
        ...(write.claimToken === undefined ? {} : { claimToken: write.claimToken }),
      });
      if (written.written) return { record: { ...record, version: base.version + 1 } };
      const current = written.current;
      if (
        current === undefined ||
        (write.claimToken !== undefined && current.claimToken !== write.claimToken)
      ) {
        throw new ClaimLostError(
          write.messageId,
          current === undefined
            ? undefined
            : { status: current.status, ...(current.claimOwner ? { claimOwner: current.claimOwner } : {}) },
        );
      }
      // A receipt (or a late id) moved the record meanwhile: settle again on what is there now.
      base = current;
    }
    throw new MessageStoreError('recordSubmission (the record kept changing)');
  }

  #remember(ref: CorrelationRef, submission: SubmitCorrelation): void {
    const key = recentKey(ref);
    this.#recent.delete(key);
    this.#recent.set(key, submission);
    if (this.#recent.size > this.#recentLimit) {
      const oldest = this.#recent.keys().next();
      if (oldest.done !== true) this.#recent.delete(oldest.value);
    }
  }
}

/** The record a claim leaves, from the one it found (undefined when it created it) and the request. */
export function claimedRecord(
  old: MessageRecord | undefined,
  input: ClaimInput,
  claimExpiresAtMs: number,
): MessageRecord {
  const { initial, now } = input;
  const request = Object.fromEntries(
    requestRecordFields
      .filter((field) => initial[field] !== undefined)
      .map((field) => [field, initial[field]]),
  );
  // The API may have recorded the message without parts; the worker's own split is what it sends.
  const keepParts =
    old !== undefined && old.parts.length > 0 && old.parts.length === (old.totalParts ?? old.parts.length);
  return {
    ...initial,
    ...(old ?? {}),
    ...request,
    messageId: input.messageId,
    status: 'submitting',
    claimToken: input.claimToken,
    claimOwner: input.claimOwner,
    claimExpiresAtMs,
    attempts: (old?.attempts ?? 0) + 1,
    version: (old?.version ?? 0) + 1,
    parts: keepParts && old ? old.parts : initial.parts,
    encoding: keepParts ? (old?.encoding ?? initial.encoding) : initial.encoding,
    totalParts: keepParts ? (old?.totalParts ?? initial.totalParts) : initial.totalParts,
    concatReference: old?.concatReference ?? initial.concatReference,
    requestHash: old?.requestHash ?? initial.requestHash,
    expiresAt: old?.expiresAt ?? initial.expiresAt,
    createdAt: old?.createdAt ?? initial.createdAt,
    updatedAt: now,
  } as MessageRecord;
}

/** A late submit_sm_resp's id on its part: its SMSC id if it had none, else an extra id. */
export function withLateSmscMessageId(
  current: MessageRecord,
  part: AcceptedPart,
  now: number,
): RecordedChange {
  let changed = false;
  const parts = current.parts.map((p) => {
    if (p.partNumber !== part.partNumber) return p;
    if (p.smscMessageId === part.smscMessageId || p.extraSmscMessageIds?.includes(part.smscMessageId))
      return p;
    changed = true;
    const status = nextState(p.status, 'submitted').state;
    if (p.smscMessageId === undefined) {
      return {
        ...p,
        status,
        smscMessageId: part.smscMessageId,
        normalisedSmscMessageId: part.normalisedSmscMessageId,
        submittedAt: now,
      };
    }
    return { ...p, status, extraSmscMessageIds: [...(p.extraSmscMessageIds ?? []), part.smscMessageId] };
  });
  if (!changed) return { record: current };
  return { record: rollUp({ ...current, parts, updatedAt: now }, now).record };
}

const recentKey = (ref: CorrelationRef): string => `${ref.systemId}#${ref.normalisedSmscMessageId}`;

/** A one-part message as it is once submitted: what the receipt's write without a read assumes. */
function assumedOnePartSubmitted(messageId: string): MessageRecord {
  return {
    messageId,
    subAccount: '',
    status: 'submitted',
    parts: [{ partNumber: 1, status: 'submitted' }],
    createdAt: 0,
    updatedAt: 0,
    version: 0,
  };
}

/** What `after` changed from `before`: message fields (parts aside) and the fields of the first part. */
export function changedFields(before: MessageRecord, after: MessageRecord): FieldChanges {
  const fields: Partial<Record<keyof MessageRecord, unknown>> = {};
  for (const [field, value] of Object.entries(after) as [keyof MessageRecord, unknown][]) {
    if (field === 'parts' || field === 'version' || value === undefined || value === before[field]) continue;
    fields[field] = value;
  }
  const firstPart: Partial<Record<keyof PartRecord, unknown>> = {};
  const [beforePart, afterPart] = [before.parts[0], after.parts[0]];
  for (const [field, value] of Object.entries(afterPart ?? {}) as [keyof PartRecord, unknown][]) {
    if (value === undefined || value === beforePart?.[field]) continue;
    firstPart[field] = value;
  }
  return { fields: fields as Partial<MessageRecord>, firstPart: firstPart as Partial<PartRecord> };
}

function storedFacts(receipt: StoredReceipt): ReceiptFacts {
  return {
    state: receipt.state as ReceiptFacts['state'],
    ...(receipt.errorCode === undefined ? {} : { errorCode: receipt.errorCode }),
  };
}
