/**
 * MessageStore on DynamoDB: the messages table (one item per message, its parts inside) and the
 * correlation table (one item per SMSC id: its submission and/or a receipt that came first; core/tableKeys.ts).
 *
 * Concurrency, in short:
 * - Claims are conditional UpdateItems (absent, accepted, released or expired → this attempt's token).
 * - Receipt before resp, resp before receipt, or both at once: an SMSC id has ONE correlation item, and each
 *   side writes its half with ReturnValues ALL_OLD. The sending side sets the submission (messageId, part)
 *   and gets back a receipt kept before it; a receipt that found no submission sets `earlyReceipt` only
 *   while there is still none, and a failed condition hands it the submission that beat it. DynamoDB orders
 *   writes to one item, so whichever lands second sees the first in its own answer: no read to close the race,
 *   and no transaction (which moto runs by copying whole tables, more than the tests can afford).
 * - Receipts change a record by read-modify-write conditional on `version`, retried on conflict, so two
 *   parts' receipts landing at once on two workers both count.
 * Every SDK call carries an AbortSignal timeout. Unexpected SDK errors become MessageStoreError.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { detailTypes, type SmsEvent } from '../../core/events.js';
import {
  earlyReceiptOf,
  type MessageRecord,
  messageRecordFromItem,
  type StoredReceipt,
  type SubmitCorrelation,
} from '../../core/messageRecord.js';
import { nextState } from '../../core/messageState.js';
import { eventItem } from '../../core/recordChangeEvents.js';
import {
  acceptedIndexAttributes,
  awaitingSubmissionAttributes,
  correlationExpiresAt,
  correlationKey,
  eventItemKeys,
  messageKey,
  unlistAwaitingReceipt,
} from '../../core/tableKeys.js';
import type { DeliveryReceipt } from '../receipts/deliveryReceipt.js';
import { withTimeout } from '../runtime/withTimeout.js';
import { fromAttributeMap } from './attributeValues.js';
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
import { applyReceiptToRecord, type ReceiptFacts, rollUp } from './recordTransitions.js';

export const dynamoDbMessageStoreOptionsSchema = z.object({
  tables: z.object({ messages: z.string().min(3), correlation: z.string().min(3) }),
  /** Abort one DynamoDB call after this. */
  requestTimeoutMs: z.int().min(100).default(5_000),
  /** Tries of a read-modify-write that keeps meeting concurrent changes. */
  maxConflictRetries: z.int().min(1).max(50).default(8),
  /**
   * Sub-account id → the SMPP system_id it binds as. Correlation items are keyed by system_id: 8x8 sends a
   * receipt to any bind of the system_id, so two sub-accounts that share one find each other's submissions
   * (core/tableKeys.ts). A sub-account not listed is its own system_id (the config's default).
   */
  systemIds: z.record(z.string(), z.string().min(1)).default({}),
});
export type DynamoDbMessageStoreOptions = z.input<typeof dynamoDbMessageStoreOptionsSchema> & {
  client: DynamoDBDocumentClient;
};

/** Record fields a submission or a receipt may change (everything else is set once, at the claim). */
const changeableFields = [
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

/** Request fields copied onto a record at the claim. */
const requestFields = [
  'subAccount',
  'to',
  'from',
  'clientReference',
  'idempotencyKey',
  'context',
  'registeredDelivery',
  'validityPeriod',
] as const satisfies readonly (keyof MessageRecord)[];

/** A message update plus what has to change in the correlation table with it. */
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

export class DynamoDbMessageStore implements MessageStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #options: z.output<typeof dynamoDbMessageStoreOptionsSchema>;
  readonly #messageLocks = new Map<string, Promise<unknown>>();

  constructor(options: DynamoDbMessageStoreOptions) {
    const parsed = dynamoDbMessageStoreOptionsSchema.safeParse(options);
    if (!parsed.success)
      throw new TypeError(`invalid message store options: ${z.prettifyError(parsed.error)}`);
    this.#client = options.client;
    this.#options = parsed.data;
  }

  claim(input: ClaimInput): Promise<ClaimResult> {
    return this.#locked(input.messageId, () => this.#claimUnlocked(input));
  }

  async #claimUnlocked(input: ClaimInput): Promise<ClaimResult> {
    const { initial, now } = input;
    const claimExpiresAtMs = now + input.claimTtlMs;
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ':submitting': 'submitting',
      ':accepted': 'accepted',
      ':token': input.claimToken,
      ':owner': input.claimOwner,
      ':claimExpiresAtMs': claimExpiresAtMs,
      ':now': now,
      ':zero': 0,
      ':one': 1,
      ':parts': initial.parts,
      ':messageId': input.messageId,
      // A message put straight on SQS gets its record here: it joins the acceptance-time index now, once.
      ':acceptedShard': acceptedIndexAttributes(input.messageId, now).acceptedShard,
    };
    const sets = [
      '#status = :submitting',
      'claimToken = :token',
      'claimOwner = :owner',
      'claimExpiresAtMs = :claimExpiresAtMs',
      'updatedAt = :now',
      'messageId = :messageId',
      'createdAt = if_not_exists(createdAt, :now)',
      'acceptedShard = if_not_exists(acceptedShard, :acceptedShard)',
      'attempts = if_not_exists(attempts, :zero) + :one',
      'version = if_not_exists(version, :zero) + :one',
      'parts = if_not_exists(parts, :parts)',
    ];
    for (const field of requestFields) {
      if (initial[field] === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = initial[field];
      sets.push(`#${field} = :${field}`);
    }
    for (const field of ['requestHash', 'encoding', 'totalParts', 'concatReference', 'expiresAt'] as const) {
      if (initial[field] === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = initial[field];
      sets.push(`#${field} = if_not_exists(#${field}, :${field})`);
    }
    try {
      const result = await this.#call('claim', (abortSignal) =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#options.tables.messages,
            Key: messageKey(input.messageId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression:
              'attribute_not_exists(pk) OR #status = :accepted OR ' +
              '(#status = :submitting AND (attribute_not_exists(claimExpiresAtMs) OR claimExpiresAtMs < :now ' +
              // A retry of this attempt's own claim whose answer was lost.
              'OR claimToken = :token))',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
          { abortSignal },
        ),
      );
      const old = messageRecordFromItem(result.Attributes);
      const from =
        old === undefined
          ? 'none'
          : old.status === 'accepted'
            ? 'accepted'
            : old.claimExpiresAtMs === 0 || old.claimToken === input.claimToken
              ? 'released'
              : 'expired';
      const record = claimedRecord(old, input, claimExpiresAtMs);
      return {
        kind: 'claimed',
        record,
        from,
        ...(old?.claimOwner === undefined ? {} : { previousOwner: old.claimOwner }),
      };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = messageRecordFromItem(fromAttributeMap(conditionFailureItem(error)));
      if (current === undefined) return { kind: 'busy', record: input.initial, retryAfterMs: 1_000 };
      if (current.status === 'submitting') {
        const retryAfterMs = Math.max(1_000, (current.claimExpiresAtMs ?? now) - now + 500);
        return { kind: 'busy', record: current, retryAfterMs };
      }
      return { kind: 'done', record: current };
    }
  }

  async recordSubmission(input: RecordSubmissionInput): Promise<RecordedChange> {
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
    const existing = await this.getMessage(record.messageId);
    if (existing !== undefined && existing.status !== 'accepted') return { kind: 'exists', record: existing };
    const stored = record;
    try {
      await this.#call('recordValidationFailure', (abortSignal) =>
        this.#client.send(
          new PutCommand({
            TableName: this.#options.tables.messages,
            Item: {
              ...messageKey(record.messageId),
              ...stored,
              ...acceptedIndexAttributes(record.messageId, record.createdAt),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR #status = :accepted',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':accepted': 'accepted' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
          { abortSignal },
        ),
      );
      return { kind: 'recorded', record };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = messageRecordFromItem(fromAttributeMap(conditionFailureItem(error)));
      if (current === undefined) throw new MessageStoreError('recordValidationFailure', { cause: error });
      return { kind: 'exists', record: current };
    }
  }

  async attachLateSmscMessageId(input: {
    messageId: string;
    subAccount: string;
    part: AcceptedPart;
    now: number;
  }): Promise<RecordedChange | undefined> {
    const base = await this.getMessage(input.messageId);
    if (base === undefined) return undefined;
    const { part, now } = input;
    const settle = (current: MessageRecord): RecordedChange => {
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
    };
    return this.#writeCorrelated({
      messageId: input.messageId,
      subAccount: input.subAccount,
      validityPeriod: base.validityPeriod,
      base,
      accepted: [part],
      settle,
      now,
    });
  }

  /** What correlation items are keyed by: the sub-account's system_id. */
  #systemId(subAccount: string): string {
    return this.#options.systemIds[subAccount] ?? subAccount;
  }

  async applyReceipt(input: ApplyReceiptInput): Promise<ApplyReceiptResult> {
    const { subAccount, receipt, now } = input;
    const key = correlationKey(this.#systemId(subAccount), receipt.smscMessageId);
    const submit = correlationOf(await this.#getCorrelation(key, 'applyReceipt'));
    if (submit !== undefined) return this.#applyToMessage(submit, receipt, now);

    // No submission yet: keep the receipt on the item while there is still none. A submission recorded
    // since the read fails the condition and comes back in the answer; one recorded after this write gets
    // the receipt in ITS answer and applies it.
    const stored: StoredReceipt = {
      smscMessageId: receipt.smscMessageId,
      rawMessageId: receipt.rawMessageId,
      state: receipt.state,
      final: receipt.final,
      receivedAt: now,
      ...(receipt.errorCode === undefined ? {} : { errorCode: receipt.errorCode }),
      ...(receipt.doneDate === undefined ? {} : { doneDate: receipt.doneDate }),
      ...(input.sourceAddress === undefined ? {} : { sourceAddress: input.sourceAddress }),
      ...(input.destinationAddress === undefined ? {} : { destinationAddress: input.destinationAddress }),
    };
    try {
      await this.#call('storeEarlyReceipt', (abortSignal) =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#options.tables.correlation,
            Key: key,
            UpdateExpression:
              'SET earlyReceipt = :receipt, subAccount = :subAccount, systemId = :systemId, ' +
              'awaitingShard = :awaitingShard, ' +
              'awaitingSince = :awaitingSince, expiresAt = if_not_exists(expiresAt, :expiresAt)',
            // A final receipt is never replaced; a non-final one is, by anything newer.
            ConditionExpression:
              'attribute_not_exists(messageId) AND (attribute_not_exists(earlyReceipt) OR earlyReceipt.#final = :false)',
            ExpressionAttributeNames: { '#final': 'final' },
            ExpressionAttributeValues: {
              ':receipt': stored,
              ':subAccount': subAccount,
              ':systemId': this.#systemId(subAccount),
              // Listed for the reconciler until matched or reported (core/tableKeys.ts awaitingSubmissionIndex).
              ...prefixKeys(awaitingSubmissionAttributes(receipt.smscMessageId, now)),
              ':expiresAt': correlationExpiresAt(now),
              ':false': false,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const beaten = correlationOf(fromAttributeMap(conditionFailureItem(error)));
      if (beaten !== undefined) return this.#applyToMessage(beaten, receipt, now);
      // Kept already, by an earlier copy.
      return { kind: 'already-stored' };
    }
    return { kind: 'stored-early' };
  }

  async checkEarlyReceipt(subAccount: string, normalisedSmscMessageId: string): Promise<EarlyReceiptCheck> {
    const item = await this.#getCorrelation(
      correlationKey(this.#systemId(subAccount), normalisedSmscMessageId),
      'checkEarlyReceipt',
    );
    if (correlationOf(item) !== undefined) return { kind: 'matched' };
    const receipt = earlyReceiptOf(item);
    return receipt === undefined ? { kind: 'gone' } : { kind: 'unmatched', receipt };
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
    const event = { detailType: announcedDetailTypes[announcement.kind], detail } as SmsEvent;
    try {
      await this.#call(`announce ${announcement.kind}`, (abortSignal) =>
        this.#client.send(
          new PutCommand({
            TableName: this.#options.tables.messages,
            Item: eventItem(key, event),
            // The first copy stands: a second put would be a second stream record (a duplicate event).
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    if (announcement.kind === 'unmatched') {
      await this.#call('unlistAwaiting', (abortSignal) =>
        this.#client.send(
          new UpdateCommand(
            unlistAwaitingReceipt(
              this.#options.tables.correlation,
              correlationKey(systemId, announcement.normalisedSmscMessageId),
            ),
          ),
          { abortSignal },
        ),
      ).catch((error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error;
      });
    }
  }

  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    const result = await this.#call('getMessage', (abortSignal) =>
      this.#client.send(
        new GetCommand({
          TableName: this.#options.tables.messages,
          Key: messageKey(messageId),
          ConsistentRead: true,
        }),
        { abortSignal },
      ),
    );
    return messageRecordFromItem(result.Item);
  }

  /** Read-modify-write of the part the receipt is for, retried while other writers move the record. */
  /** One read-modify-write per message at a time in this process (see #messageLocks). */
  #applyToMessage(
    correlation: SubmitCorrelation,
    receipt: DeliveryReceipt,
    now: number,
  ): Promise<ApplyReceiptResult> {
    return this.#locked(correlation.messageId, () => this.#applyToMessageUnlocked(correlation, receipt, now));
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
    const direct = await this.#applyToSubmittedOnePart(correlation, facts, now);
    if (direct !== undefined) return direct;
    for (let attempt = 0; attempt < this.#options.maxConflictRetries; attempt += 1) {
      const record = await this.getMessage(correlation.messageId);
      if (record === undefined) return { kind: 'orphaned', correlation };
      const change = applyReceiptToRecord(record, correlation.partNumber, facts, now);
      if (!change.changed) return { kind: 'applied', correlation, record, changed: false };
      const update = recordUpdate(change.record);
      try {
        await this.#call('applyReceipt', (abortSignal) =>
          this.#client.send(
            new UpdateCommand({
              TableName: this.#options.tables.messages,
              Key: messageKey(record.messageId),
              UpdateExpression: update.expression,
              ConditionExpression: '#version = :expectedVersion',
              ExpressionAttributeNames: update.names,
              ExpressionAttributeValues: { ...update.values, ':expectedVersion': record.version },
            }),
            { abortSignal },
          ),
        );
        return {
          kind: 'applied',
          correlation,
          record: { ...change.record, version: record.version + 1 },
          changed: true,
        };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new MessageStoreError('applyReceipt (the record kept changing)');
  }

  /**
   * The common receipt without reading its record: a one-part message already `submitted` (most receipts
   * come seconds after the submission was recorded). The change is what the same pure transition makes of
   * a record in that state, written conditional on the record still being in it, so it is the change a read
   * would have found. Anything else (a long message, a receipt before its submission was recorded, a copy of
   * a receipt already applied) fails the condition or is not tried, and takes the read-modify-write path.
   * Undefined when the write was not made.
   */
  async #applyToSubmittedOnePart(
    correlation: SubmitCorrelation,
    facts: ReceiptFacts,
    now: number,
  ): Promise<ApplyReceiptResult | undefined> {
    if (correlation.totalParts !== 1 || correlation.partNumber !== 1) return undefined;
    const assumed: MessageRecord = {
      messageId: correlation.messageId,
      subAccount: '',
      status: 'submitted',
      parts: [{ partNumber: 1, status: 'submitted' }],
      createdAt: 0,
      updatedAt: 0,
      version: 0,
    };
    const change = applyReceiptToRecord(assumed, 1, facts, now);
    if (!change.changed) return undefined;
    const update = changedFieldsUpdate(assumed, change.record);
    try {
      const result = await this.#call('applyReceipt', (abortSignal) =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#options.tables.messages,
            Key: messageKey(correlation.messageId),
            UpdateExpression: update.expression,
            ConditionExpression:
              '#status = :assumedStatus AND parts[0].#status = :assumedStatus AND size(parts) = :one',
            ExpressionAttributeNames: update.names,
            ExpressionAttributeValues: { ...update.values, ':assumedStatus': 'submitted' },
            ReturnValues: 'ALL_NEW',
          }),
          { abortSignal },
        ),
      );
      const record = messageRecordFromItem(result.Attributes);
      if (record === undefined) return undefined;
      return { kind: 'applied', correlation, record, changed: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return undefined;
    }
  }

  /**
   * Records parts 8x8 accepted, so that a receipt finds them whichever comes first:
   *   1. the submission on each accepted part's correlation item, which answers with a receipt kept there
   *      before it (see the header);
   *   2. the message update, conditional on the version it was computed from (and the claim token for a
   *      submission), with those receipts applied. A moved version is re-read and `settle` runs again.
   * Correlation first: a crash after it leaves ids that still correlate to the message (whose next attempt
   * treats its parts as in doubt); a crash before it leaves nothing pointing anywhere.
   * One UpdateItem per part, not a BatchWriteItem: a batch write cannot return the item it replaced, and
   * that answer is what saves the read. Most messages have one part.
   * Both steps hold the message's lock (#locked): a receipt this process gets meanwhile finds the
   * submission, waits, and then finds the record submitted (one conditional write) instead of racing it
   * into a conflict on each side. A receipt on another worker can still race it; the conditions settle that.
   */
  #writeCorrelated(write: CorrelatedWrite): Promise<RecordedChange> {
    return this.#locked(write.messageId, () => this.#writeCorrelatedUnlocked(write));
  }

  async #writeCorrelatedUnlocked(write: CorrelatedWrite): Promise<RecordedChange> {
    const { now } = write;
    const totalParts = Math.max(write.base.totalParts ?? 0, write.base.parts.length);
    const early = await Promise.all(
      write.accepted.map(async (part) => {
        const submission = {
          messageId: write.messageId,
          partNumber: part.partNumber,
          totalParts,
          smscMessageId: part.smscMessageId,
          createdAt: now,
          expiresAt: correlationExpiresAt(now, write.validityPeriod),
        } satisfies SubmitCorrelation & Record<string, unknown>;
        const names = Object.fromEntries(Object.keys(submission).map((field) => [`#${field}`, field]));
        const values = Object.fromEntries(Object.entries(submission).map(([field, v]) => [`:${field}`, v]));
        const result = await this.#call('recordCorrelation', (abortSignal) =>
          this.#client.send(
            new UpdateCommand({
              TableName: this.#options.tables.correlation,
              Key: correlationKey(this.#systemId(write.subAccount), part.normalisedSmscMessageId),
              // A receipt that came first is no longer waiting: out of the reconciler's index.
              UpdateExpression: `SET ${Object.keys(submission)
                .map((field) => `#${field} = :${field}`)
                .join(', ')} REMOVE awaitingShard, awaitingSince`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValues: 'ALL_OLD',
            }),
            { abortSignal },
          ),
        );
        const receipt = earlyReceiptOf(result.Attributes);
        return receipt === undefined ? undefined : { partNumber: part.partNumber, receipt };
      }),
    );
    return this.#updateSettled(
      write,
      early.filter((found) => found !== undefined),
    );
  }

  async #updateSettled(
    write: CorrelatedWrite,
    early: readonly { partNumber: number; receipt: StoredReceipt }[],
  ): Promise<RecordedChange> {
    const { now } = write;
    let base = write.base;
    for (let round = 0; round < this.#options.maxConflictRetries; round += 1) {
      let { record } = write.settle(base);
      for (const { partNumber, receipt } of early) {
        record = applyReceiptToRecord(record, partNumber, storedFacts(receipt), now).record;
      }
      const update = recordUpdate(record);
      const claimed = write.claimToken !== undefined;
      try {
        await this.#call('recordSubmission', (abortSignal) =>
          this.#client.send(
            new UpdateCommand({
              TableName: this.#options.tables.messages,
              Key: messageKey(write.messageId),
              UpdateExpression: update.expression,
              ConditionExpression: claimed
                ? '#version = :expectedVersion AND claimToken = :claimToken'
                : '#version = :expectedVersion',
              ExpressionAttributeNames: update.names,
              ExpressionAttributeValues: {
                ...update.values,
                ':expectedVersion': base.version,
                ...(claimed ? { ':claimToken': write.claimToken } : {}),
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
            { abortSignal },
          ),
        );
        return { record: { ...record, version: base.version + 1 } };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        const current = messageRecordFromItem(fromAttributeMap(conditionFailureItem(error)));
        if (current === undefined || (claimed && current.claimToken !== write.claimToken)) {
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
    }
    throw new MessageStoreError('recordSubmission (the record kept changing)');
  }

  /**
   * Runs `work` after every earlier locked work on the same message in this process has finished. Writes
   * to one message are conditional anyway (version, claim token), so this is not what makes them correct
   * across workers; it saves the conflicts and retries when a receipt and its submission meet in one
   * process, and it keeps the emulator (whose conditional writes are not atomic under concurrent requests)
   * from losing one of two such writes.
   */
  async #locked<T>(messageId: string, work: () => Promise<T>): Promise<T> {
    const before = this.#messageLocks.get(messageId);
    const run = (async () => {
      if (before !== undefined) await before.catch(() => {});
      return work();
    })();
    this.#messageLocks.set(messageId, run);
    try {
      return await run;
    } finally {
      if (this.#messageLocks.get(messageId) === run) this.#messageLocks.delete(messageId);
    }
  }

  async #getCorrelation(
    key: ReturnType<typeof correlationKey>,
    operation: string,
  ): Promise<Record<string, unknown> | undefined> {
    const result = await this.#call(operation, (abortSignal) =>
      this.#client.send(
        new GetCommand({ TableName: this.#options.tables.correlation, Key: key, ConsistentRead: true }),
        { abortSignal },
      ),
    );
    return result.Item;
  }

  /** Runs one SDK call with a timeout; conditional failures pass through for the caller, anything else is wrapped. */
  async #call<T>(operation: string, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await withTimeout(this.#options.requestTimeoutMs, run);
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw error;
      throw new MessageStoreError(operation, { cause: error });
    }
  }
}

function claimedRecord(
  old: MessageRecord | undefined,
  input: ClaimInput,
  claimExpiresAtMs: number,
): MessageRecord {
  const { initial, now } = input;
  const request = Object.fromEntries(
    requestFields.filter((field) => initial[field] !== undefined).map((field) => [field, initial[field]]),
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
    createdAt: old?.createdAt ?? now,
    updatedAt: now,
  } as MessageRecord;
}

/** `SET` of every changeable field the record has, and version + 1. */
function recordUpdate(record: MessageRecord): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':one': 1 };
  const sets: string[] = [];
  for (const field of changeableFields) {
    const value = record[field];
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  sets.push('#version = #version + :one');
  return { expression: `SET ${sets.join(', ')}`, names, values };
}

/**
 * `SET` of what `after` changed from `before` (message fields, and the fields of its first part), and
 * version + 1: the receipt's write when the record's state is known without reading it.
 */
function changedFieldsUpdate(
  before: MessageRecord,
  after: MessageRecord,
): { expression: string; names: Record<string, string>; values: Record<string, unknown> } {
  const names: Record<string, string> = { '#version': 'version', '#status': 'status' };
  const values: Record<string, unknown> = { ':one': 1 };
  const sets: string[] = [];
  for (const field of changeableFields) {
    if (field === 'parts' || after[field] === undefined || after[field] === before[field]) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = after[field];
    sets.push(`#${field} = :${field}`);
  }
  const [beforePart, afterPart] = [before.parts[0] ?? {}, after.parts[0] ?? {}] as Record<string, unknown>[];
  for (const [field, value] of Object.entries(afterPart ?? {})) {
    if (value === undefined || value === beforePart?.[field]) continue;
    names[`#${field}`] = field;
    values[`:part_${field}`] = value;
    sets.push(`parts[0].#${field} = :part_${field}`);
  }
  sets.push('#version = #version + :one');
  return { expression: `SET ${sets.join(', ')}`, names, values };
}

/** `:name` → value, for spreading attributes into ExpressionAttributeValues. */
function prefixKeys(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`:${name}`, value]));
}

function correlationOf(item: Record<string, unknown> | undefined): SubmitCorrelation | undefined {
  if (item === undefined || typeof item.messageId !== 'string' || typeof item.partNumber !== 'number')
    return undefined;
  return {
    messageId: item.messageId,
    partNumber: item.partNumber,
    totalParts: typeof item.totalParts === 'number' ? item.totalParts : 1,
    smscMessageId: typeof item.smscMessageId === 'string' ? item.smscMessageId : '',
  };
}

function storedFacts(receipt: StoredReceipt): ReceiptFacts {
  return {
    state: receipt.state as ReceiptFacts['state'],
    ...(receipt.errorCode === undefined ? {} : { errorCode: receipt.errorCode }),
  };
}

const errorName = (error: unknown): string | undefined => (error instanceof Error ? error.name : undefined);

function isConditionalCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

function conditionFailureItem(error: unknown): unknown {
  return (error as { Item?: unknown }).Item;
}
