/**
 * A fake of the RecordTables port for unit tests: the tables only, with the adapter's conditions
 * (DynamoDbRecordTables.ts), in memory, plus failure injection. What the writes mean is the real
 * MessageRecording's, built over this by `inMemoryMessageStore()`. JavaScript runs one write at a time, so
 * each operation is simply atomic here; the real concurrency is tested against the emulator.
 * `announced` is what the messages table's stream would publish for the writes made (the records-stream
 * consumer's own rules, core/recordChangeEvents.ts), in write order.
 */
import type { SmsEvent } from '../../../core/events.js';
import type { MessageRecord, StoredReceipt, SubmitCorrelation } from '../../../core/messageRecord.js';
import { eventItem, eventsOfItemChange } from '../../../core/recordChangeEvents.js';
import type { ItemKey } from '../../../core/tableKeys.js';
import { MessageStoreError } from '../../../worker/records/errors.js';
import { MessageRecording } from '../../../worker/records/MessageRecording.js';
import type { ClaimInput } from '../../../worker/records/MessageStore.js';
import {
  type ConditionalWrite,
  type CorrelationItem,
  type CorrelationRef,
  changeableRecordFields,
  type FieldChanges,
  keptRecordFields,
  type RecordCondition,
  type RecordTables,
  requestRecordFields,
} from '../../../worker/records/RecordTables.js';

type Operation = keyof RecordTables;

/** A correlation item: its two halves, and whether the reconciler's index lists it. */
export interface FakeCorrelationItem extends CorrelationItem {
  listed?: boolean;
}

export class InMemoryRecordTables implements RecordTables {
  readonly records = new Map<string, MessageRecord>();
  /** By `<systemId>#<normalised id>`. */
  readonly correlation = new Map<string, FakeCorrelationItem>();
  /** Event items written, by `<pk>|<sk>`. */
  readonly eventItems = new Map<string, SmsEvent>();
  readonly calls: Operation[] = [];
  /** What the stream would publish for the writes so far. */
  readonly announced: SmsEvent[] = [];
  /** The next claim is made, but its caller gets an error (an answer lost on the way back). */
  loseNextClaimAnswer = false;
  readonly #failures = new Map<Operation, number>();

  /** The next `times` calls of `operation` throw a MessageStoreError. */
  failNext(operation: Operation, times = 1): void {
    this.#failures.set(operation, times);
  }

  async getRecord(messageId: string): Promise<MessageRecord | undefined> {
    this.#enter('getRecord');
    return clone(this.records.get(messageId));
  }

  async claim(
    input: ClaimInput,
  ): Promise<
    { taken: true; before: MessageRecord | undefined } | { taken: false; current: MessageRecord | undefined }
  > {
    this.#enter('claim');
    const current = this.records.get(input.messageId);
    const takes =
      current === undefined ||
      current.status === 'accepted' ||
      (current.status === 'submitting' &&
        (current.claimExpiresAtMs === undefined ||
          current.claimExpiresAtMs < input.now ||
          current.claimToken === input.claimToken));
    if (!takes) return { taken: false, current: clone(current) };
    const { initial, now } = input;
    const defined = (record: MessageRecord, fields: readonly (keyof MessageRecord)[]) =>
      Object.fromEntries(fields.filter((f) => record[f] !== undefined).map((f) => [f, record[f]]));
    this.#write({
      ...defined(initial, keptRecordFields),
      ...(current ?? {}),
      ...defined(initial, requestRecordFields),
      messageId: input.messageId,
      status: 'submitting',
      claimToken: input.claimToken,
      claimOwner: input.claimOwner,
      claimExpiresAtMs: now + input.claimTtlMs,
      updatedAt: now,
      createdAt: current?.createdAt ?? initial.createdAt,
      attempts: (current?.attempts ?? 0) + 1,
      version: (current?.version ?? 0) + 1,
      parts: current?.parts ?? initial.parts,
    } as MessageRecord);
    if (this.loseNextClaimAnswer) {
      this.loseNextClaimAnswer = false;
      throw new MessageStoreError('claim', { cause: new Error('answer lost') });
    }
    return { taken: true, before: clone(current) };
  }

  async updateRecord(record: MessageRecord, condition: RecordCondition): Promise<ConditionalWrite> {
    this.#enter('updateRecord');
    const current = this.records.get(record.messageId);
    if (
      current === undefined ||
      current.version !== condition.version ||
      (condition.claimToken !== undefined && current.claimToken !== condition.claimToken)
    )
      return { written: false, current: clone(current) };
    const changes = Object.fromEntries(
      changeableRecordFields.filter((f) => record[f] !== undefined).map((f) => [f, record[f]]),
    );
    this.#write({ ...current, ...clone(changes), version: current.version + 1 } as MessageRecord);
    return { written: true };
  }

  async updateOnePartSubmitted(messageId: string, changes: FieldChanges): Promise<MessageRecord | undefined> {
    this.#enter('updateOnePartSubmitted');
    const current = this.records.get(messageId);
    const [part, ...more] = current?.parts ?? [];
    if (current?.status !== 'submitted' || part?.status !== 'submitted' || more.length > 0) return undefined;
    const record = {
      ...current,
      ...changes.fields,
      parts: [{ ...part, ...changes.firstPart }],
      version: current.version + 1,
    };
    this.#write(record);
    return clone(record);
  }

  async putRecordUnlessMoved(record: MessageRecord): Promise<ConditionalWrite> {
    this.#enter('putRecordUnlessMoved');
    const current = this.records.get(record.messageId);
    if (current !== undefined && current.status !== 'accepted')
      return { written: false, current: clone(current) };
    this.#write(record);
    return { written: true };
  }

  async putEventItem(key: ItemKey, event: SmsEvent): Promise<void> {
    this.#enter('putEventItem');
    const id = `${key.pk}|${key.sk}`;
    if (this.eventItems.has(id)) return;
    this.eventItems.set(id, event);
    this.announced.push(...eventsOfItemChange({ newItem: eventItem(key, event) }));
  }

  async getCorrelation(ref: CorrelationRef): Promise<CorrelationItem> {
    this.#enter('getCorrelation');
    const { submission, earlyReceipt } = this.correlation.get(keyOf(ref)) ?? {};
    return clone({
      ...(submission === undefined ? {} : { submission }),
      ...(earlyReceipt === undefined ? {} : { earlyReceipt }),
    });
  }

  async setSubmission(
    ref: CorrelationRef,
    submission: SubmitCorrelation,
  ): Promise<StoredReceipt | undefined> {
    this.#enter('setSubmission');
    const before = this.correlation.get(keyOf(ref));
    this.correlation.set(keyOf(ref), { ...before, submission: clone(submission), listed: false });
    return clone(before?.earlyReceipt);
  }

  async keepEarlyReceipt(
    ref: CorrelationRef,
    _subAccount: string,
    receipt: StoredReceipt,
  ): Promise<{ kept: true } | { kept: false; submission?: SubmitCorrelation }> {
    this.#enter('keepEarlyReceipt');
    const item = this.correlation.get(keyOf(ref));
    if (item?.submission !== undefined) return { kept: false, submission: clone(item.submission) };
    if (item?.earlyReceipt?.final === true) return { kept: false };
    this.correlation.set(keyOf(ref), { ...item, earlyReceipt: clone(receipt), listed: true });
    return { kept: true };
  }

  async unlistAwaiting(ref: CorrelationRef): Promise<void> {
    this.#enter('unlistAwaiting');
    const item = this.correlation.get(keyOf(ref));
    if (item !== undefined) item.listed = false;
  }

  #enter(operation: Operation): void {
    this.calls.push(operation);
    const left = this.#failures.get(operation) ?? 0;
    if (left > 0) {
      this.#failures.set(operation, left - 1);
      throw new MessageStoreError(operation, { cause: new Error('injected failure') });
    }
  }

  /** Every record write goes here, so `announced` sees it as the stream would. */
  #write(record: MessageRecord): void {
    const old = this.records.get(record.messageId);
    this.records.set(record.messageId, clone(record));
    this.announced.push(
      ...eventsOfItemChange({
        ...(old === undefined ? {} : { oldItem: old as unknown as Record<string, unknown> }),
        newItem: record as unknown as Record<string, unknown>,
      }),
    );
  }
}

/** The real recording use case over fake tables: what the unit tests use as the MessageStore. */
export function inMemoryMessageStore(): { store: MessageRecording; tables: InMemoryRecordTables } {
  const tables = new InMemoryRecordTables();
  return { store: new MessageRecording({ tables }), tables };
}

const keyOf = (ref: CorrelationRef) => `${ref.systemId}#${ref.normalisedSmscMessageId}`;

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}
