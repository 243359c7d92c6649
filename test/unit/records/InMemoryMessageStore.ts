/**
 * A fake of the MessageStore port for unit tests: the same rules as DynamoDbMessageStore (claims, the
 * claim-token and version conditions, SUBMIT/early-RECEIPT correlation), in memory, plus failure injection.
 * JavaScript runs one write at a time, so the transactions are simply sequential here; the real concurrency
 * is tested against the emulator. `announced` is what the table's stream would publish for the writes made
 * (core/recordChangeEvents.ts, the consumer's own rules), in write order.
 */

import { detailTypes, type SmsEvent } from '../../../core/events.js';
import type { MessageRecord, StoredReceipt, SubmitCorrelation } from '../../../core/messageRecord.js';
import { nextState } from '../../../core/messageState.js';
import { eventsOfItemChange } from '../../../core/recordChangeEvents.js';
import { correlationExpiresAt } from '../../../core/tableKeys.js';
import { ClaimLostError, MessageStoreError } from '../../../worker/records/errors.js';
import type {
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
} from '../../../worker/records/MessageStore.js';
import { applyReceiptToRecord, rollUp } from '../../../worker/records/recordTransitions.js';

type Operation = keyof MessageStore;

export class InMemoryMessageStore implements MessageStore {
  readonly messages = new Map<string, MessageRecord>();
  readonly submits = new Map<string, SubmitCorrelation & { expiresAt: number }>();
  readonly receipts = new Map<string, StoredReceipt>();
  readonly calls: Operation[] = [];
  /** What the stream would publish for the writes so far. */
  readonly announced: SmsEvent[] = [];
  /** Event items written, by key: unreadable deliver_sm, inbound messages, unmatched receipts. */
  readonly eventItems = new Map<string, Announcement>();

  /** Every message write goes here, so `announced` sees it as the stream would. */
  #write(messageId: string, record: MessageRecord): void {
    const old = this.messages.get(messageId);
    this.messages.set(messageId, clone(record));
    this.announced.push(
      ...eventsOfItemChange({
        ...(old === undefined ? {} : { oldItem: old as unknown as Record<string, unknown> }),
        newItem: record as unknown as Record<string, unknown>,
      }),
    );
  }
  readonly #failures = new Map<Operation, number>();

  /** The next `times` calls of `operation` throw a MessageStoreError. */
  failNext(operation: Operation, times = 1): void {
    this.#failures.set(operation, times);
  }

  #enter(operation: Operation): void {
    this.calls.push(operation);
    const left = this.#failures.get(operation) ?? 0;
    if (left > 0) {
      this.#failures.set(operation, left - 1);
      throw new MessageStoreError(operation, { cause: new Error('injected failure') });
    }
  }

  /** The next claim is applied, but its caller gets an error (an answer lost on the way back). */
  loseNextClaimAnswer = false;

  async claim(input: ClaimInput): Promise<ClaimResult> {
    const result = await this.#claim(input);
    if (this.loseNextClaimAnswer) {
      this.loseNextClaimAnswer = false;
      throw new MessageStoreError('claim', { cause: new Error('answer lost') });
    }
    return result;
  }

  async #claim(input: ClaimInput): Promise<ClaimResult> {
    this.#enter('claim');
    const old = this.messages.get(input.messageId);
    const expired =
      old?.status === 'submitting' &&
      ((old.claimExpiresAtMs ?? 0) < input.now || old.claimToken === input.claimToken);
    if (old !== undefined && old.status !== 'accepted' && !expired) {
      if (old.status === 'submitting') {
        return {
          kind: 'busy',
          record: clone(old),
          retryAfterMs: Math.max(1_000, (old.claimExpiresAtMs ?? 0) - input.now + 500),
        };
      }
      return { kind: 'done', record: clone(old) };
    }
    const keepParts = old !== undefined && old.parts.length > 0;
    const record: MessageRecord = {
      ...input.initial,
      ...(old ?? {}),
      status: 'submitting',
      claimToken: input.claimToken,
      claimOwner: input.claimOwner,
      claimExpiresAtMs: input.now + input.claimTtlMs,
      attempts: (old?.attempts ?? 0) + 1,
      version: (old?.version ?? 0) + 1,
      parts: keepParts && old ? old.parts : input.initial.parts,
      concatReference: old?.concatReference ?? input.initial.concatReference,
      updatedAt: input.now,
    };
    this.#write(input.messageId, record);
    const from =
      old === undefined
        ? 'none'
        : old.status === 'accepted'
          ? 'accepted'
          : old.claimExpiresAtMs === 0 || old.claimToken === input.claimToken
            ? 'released'
            : 'expired';
    return { kind: 'claimed', record, from, ...(old?.claimOwner ? { previousOwner: old.claimOwner } : {}) };
  }

  async recordSubmission(input: RecordSubmissionInput): Promise<RecordedChange> {
    this.#enter('recordSubmission');
    const current = this.messages.get(input.base.messageId);
    if (current === undefined || current.claimToken !== input.claimToken) {
      throw new ClaimLostError(input.base.messageId, current ? { status: current.status } : undefined);
    }
    let { record } = input.settle(clone(current));
    for (const part of input.accepted) {
      const key = this.#key(record.subAccount, part.normalisedSmscMessageId);
      const early = this.receipts.get(key);
      if (early !== undefined) {
        const change = applyReceiptToRecord(
          record,
          part.partNumber,
          { state: early.state as never, ...(early.errorCode ? { errorCode: early.errorCode } : {}) },
          input.now,
        );
        record = change.record;
        this.receipts.delete(key);
      }
      this.submits.set(key, {
        messageId: record.messageId,
        partNumber: part.partNumber,
        totalParts: record.parts.length,
        smscMessageId: part.smscMessageId,
        expiresAt: correlationExpiresAt(input.now),
      });
    }
    record = { ...record, version: current.version + 1 };
    this.#write(record.messageId, record);
    return { record: clone(record) };
  }

  async recordValidationFailure(record: MessageRecord): Promise<ValidationFailureResult> {
    this.#enter('recordValidationFailure');
    const existing = this.messages.get(record.messageId);
    if (existing !== undefined && existing.status !== 'accepted')
      return { kind: 'exists', record: clone(existing) };
    const stored = { ...record };
    this.#write(record.messageId, stored);
    return { kind: 'recorded', record: clone(stored) };
  }

  async attachLateSmscMessageId(
    input: Parameters<MessageStore['attachLateSmscMessageId']>[0],
  ): Promise<RecordedChange | undefined> {
    this.#enter('attachLateSmscMessageId');
    const current = this.messages.get(input.messageId);
    if (current === undefined) return undefined;
    const parts = current.parts.map((p) =>
      p.partNumber !== input.part.partNumber
        ? p
        : p.smscMessageId === undefined
          ? {
              ...p,
              status: nextState(p.status, 'submitted').state,
              smscMessageId: input.part.smscMessageId,
              normalisedSmscMessageId: input.part.normalisedSmscMessageId,
            }
          : { ...p, extraSmscMessageIds: [...(p.extraSmscMessageIds ?? []), input.part.smscMessageId] },
    );
    const rolled = rollUp({ ...current, parts }, input.now);
    const record = { ...rolled.record, version: current.version + 1 };
    this.#write(record.messageId, record);
    this.submits.set(this.#key(input.subAccount, input.part.normalisedSmscMessageId), {
      messageId: input.messageId,
      partNumber: input.part.partNumber,
      totalParts: parts.length,
      smscMessageId: input.part.smscMessageId,
      expiresAt: 0,
    });
    return { record: clone(record) };
  }

  async applyReceipt(input: ApplyReceiptInput): Promise<ApplyReceiptResult> {
    this.#enter('applyReceipt');
    const key = this.#key(input.subAccount, input.receipt.smscMessageId);
    const correlation = this.submits.get(key);
    if (correlation === undefined) {
      const stored = this.receipts.get(key);
      if (stored?.final) return { kind: 'already-stored' };
      this.receipts.set(key, {
        smscMessageId: input.receipt.smscMessageId,
        rawMessageId: input.receipt.rawMessageId,
        state: input.receipt.state,
        final: input.receipt.final,
        receivedAt: input.now,
        ...(input.receipt.errorCode === undefined ? {} : { errorCode: input.receipt.errorCode }),
        ...(input.sourceAddress === undefined ? {} : { sourceAddress: input.sourceAddress }),
        ...(input.destinationAddress === undefined ? {} : { destinationAddress: input.destinationAddress }),
      });
      return { kind: 'stored-early' };
    }
    const record = this.messages.get(correlation.messageId);
    if (record === undefined) return { kind: 'orphaned', correlation };
    const change = applyReceiptToRecord(
      clone(record),
      correlation.partNumber,
      {
        state: input.receipt.state,
        ...(input.receipt.errorCode === undefined ? {} : { errorCode: input.receipt.errorCode }),
      },
      input.now,
    );
    if (!change.changed) return { kind: 'applied', correlation, record: clone(record), changed: false };
    const next = { ...change.record, version: record.version + 1 };
    this.#write(next.messageId, next);
    return { kind: 'applied', correlation, record: clone(next), changed: true };
  }

  async checkEarlyReceipt(subAccount: string, id: string): Promise<EarlyReceiptCheck> {
    this.#enter('checkEarlyReceipt');
    const key = this.#key(subAccount, id);
    if (this.submits.has(key)) return { kind: 'matched' };
    const receipt = this.receipts.get(key);
    return receipt === undefined ? { kind: 'gone' } : { kind: 'unmatched', receipt: { ...receipt } };
  }

  async announce(announcement: Announcement): Promise<void> {
    this.#enter('announce');
    const { detail } = announcement;
    const id =
      announcement.kind === 'unreadable'
        ? announcement.contentHash
        : announcement.kind === 'inbound'
          ? announcement.detail.inboundMessageId
          : `${announcement.normalisedSmscMessageId}#${announcement.detail.receiptStatus}`;
    const key = `${announcement.kind}#${detail.subAccount}#${id}`;
    if (this.eventItems.has(key)) return; // the first copy stands, as the conditional put keeps it
    this.eventItems.set(key, structuredClone(announcement));
    const detailType = {
      unreadable: detailTypes.unreadable,
      inbound: detailTypes.inbound,
      unmatched: detailTypes.receiptUnmatched,
    }[announcement.kind];
    this.announced.push({ detailType, detail: structuredClone(detail) } as SmsEvent);
  }

  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    this.#enter('getMessage');
    const record = this.messages.get(messageId);
    return record === undefined ? undefined : clone(record);
  }

  #key(subAccount: string, id: string): string {
    return `${subAccount}#${id}`;
  }
}

const clone = <T>(value: T): T => structuredClone(value);
