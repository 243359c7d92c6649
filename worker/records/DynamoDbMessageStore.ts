/**
 * MessageStore on DynamoDB: the messages table (one item per message, its parts inside) and the
 * correlation table (`SUBMIT` and early `RECEIPT` items under one partition per SMSC id; core/tableKeys.ts).
 *
 * Concurrency, in short:
 * - Claims are conditional UpdateItems (absent, accepted, released or expired → this attempt's token).
 * - A submission is written in ONE TransactWriteItems: the message update (conditional on the claim token
 *   and the version it was computed from), a `SUBMIT` Put per accepted part, and per part a ConditionCheck
 *   that no early `RECEIPT` exists. A receipt that found no `SUBMIT` stores itself in a transaction with the
 *   opposite ConditionCheck (no `SUBMIT`). Transactions are serialisable, so exactly one side sees the
 *   other: either the submission's check fails (it applies the early receipt and deletes it in its retry)
 *   or the receipt's does (it applies itself to the message). Whichever order the resp and the receipt
 *   come in, and even when they come at once, the receipt is applied once.
 * - Receipts change a record by read-modify-write conditional on `version`, retried on conflict, so two
 *   parts' receipts landing at once on two workers both count.
 * Every SDK call carries an AbortSignal timeout. Unexpected SDK errors become MessageStoreError.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { nextState } from '../../core/messageState.js';
import {
  correlationExpiresAt,
  earlyReceiptKey,
  messageKey,
  submitCorrelationKey,
} from '../../core/tableKeys.js';
import type { DeliveryReceipt } from '../receipts/deliveryReceipt.js';
import { fromAttributeMap } from './attributeValues.js';
import { ClaimLostError, MessageStoreError } from './errors.js';
import {
  type MessageRecord,
  messageRecordFromItem,
  type PendingEvent,
  type StoredReceipt,
  type SubmitCorrelation,
} from './MessageRecord.js';
import type {
  AcceptedPart,
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

export class DynamoDbMessageStore implements MessageStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #options: z.output<typeof dynamoDbMessageStoreOptionsSchema>;

  constructor(options: DynamoDbMessageStoreOptions) {
    const parsed = dynamoDbMessageStoreOptionsSchema.safeParse(options);
    if (!parsed.success)
      throw new TypeError(`invalid message store options: ${z.prettifyError(parsed.error)}`);
    this.#client = options.client;
    this.#options = parsed.data;
  }

  async claim(input: ClaimInput): Promise<ClaimResult> {
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
      ':emptyMap': {},
      ':parts': initial.parts,
      ':messageId': input.messageId,
    };
    const sets = [
      '#status = :submitting',
      'claimToken = :token',
      'claimOwner = :owner',
      'claimExpiresAtMs = :claimExpiresAtMs',
      'updatedAt = :now',
      'messageId = :messageId',
      'createdAt = if_not_exists(createdAt, :now)',
      'attempts = if_not_exists(attempts, :zero) + :one',
      'version = if_not_exists(version, :zero) + :one',
      'pendingEvents = if_not_exists(pendingEvents, :emptyMap)',
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
              '(#status = :submitting AND (attribute_not_exists(claimExpiresAtMs) OR claimExpiresAtMs < :now))',
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
            : old.claimExpiresAtMs === 0
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
    try {
      await this.#call('recordValidationFailure', (abortSignal) =>
        this.#client.send(
          new PutCommand({
            TableName: this.#options.tables.messages,
            Item: { ...messageKey(record.messageId), ...record },
            ConditionExpression: 'attribute_not_exists(pk) OR #status = :accepted',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':accepted': 'accepted' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
          { abortSignal },
        ),
      );
      return { kind: 'recorded', record, created: Object.values(record.pendingEvents) };
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
      if (!changed) return { record: current, created: [] };
      const rolled = rollUp({ ...current, parts, updatedAt: now }, now);
      return { record: rolled.record, created: rolled.events };
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

  async applyReceipt(input: ApplyReceiptInput): Promise<ApplyReceiptResult> {
    const { subAccount, receipt, now } = input;
    const id = receipt.smscMessageId;
    const items = await this.#queryCorrelation(subAccount, id, 'applyReceipt');
    const submit = correlationOf(items.find((item) => item.sk === 'SUBMIT'));
    if (submit !== undefined) return this.#applyToMessage(submit, receipt, now);

    const stored: StoredReceipt = {
      smscMessageId: id,
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
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.#options.tables.correlation,
                  Item: {
                    ...earlyReceiptKey(subAccount, id),
                    ...stored,
                    subAccount,
                    expiresAt: correlationExpiresAt(now),
                  },
                  // A final receipt is never replaced; a non-final one is, by anything newer.
                  ConditionExpression: 'attribute_not_exists(pk) OR #final = :false',
                  ExpressionAttributeNames: { '#final': 'final' },
                  ExpressionAttributeValues: { ':false': false },
                },
              },
              {
                ConditionCheck: {
                  TableName: this.#options.tables.correlation,
                  Key: submitCorrelationKey(subAccount, id),
                  ConditionExpression: 'attribute_not_exists(pk)',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
            ],
          }),
          { abortSignal },
        ),
      );
      return { kind: 'stored-early' };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons === undefined) throw error;
      const submitNow = correlationOf(fromAttributeMap(reasons[1]?.Item));
      if (reasons[1]?.Code === 'ConditionalCheckFailed' && submitNow !== undefined) {
        return this.#applyToMessage(submitNow, receipt, now);
      }
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return { kind: 'already-stored' };
      throw new MessageStoreError('storeEarlyReceipt', { cause: error });
    }
  }

  async checkEarlyReceipt(subAccount: string, normalisedSmscMessageId: string): Promise<EarlyReceiptCheck> {
    const items = await this.#queryCorrelation(subAccount, normalisedSmscMessageId, 'checkEarlyReceipt');
    if (items.some((item) => item.sk === 'SUBMIT')) return { kind: 'matched' };
    const receipt = items.find((item) => item.sk === 'RECEIPT');
    return receipt === undefined
      ? { kind: 'gone' }
      : { kind: 'unmatched', receipt: receipt as unknown as StoredReceipt };
  }

  async markUnmatchedPublished(
    subAccount: string,
    normalisedSmscMessageId: string,
    now: number,
  ): Promise<void> {
    try {
      await this.#call('markUnmatchedPublished', (abortSignal) =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#options.tables.correlation,
            Key: earlyReceiptKey(subAccount, normalisedSmscMessageId),
            UpdateExpression: 'SET unmatchedPublishedAt = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':now': now },
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async clearPendingEvents(messageId: string, eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    const names: Record<string, string> = {};
    eventIds.forEach((id, index) => {
      names[`#e${index}`] = id;
    });
    try {
      await this.#call('clearPendingEvents', (abortSignal) =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#options.tables.messages,
            Key: messageKey(messageId),
            UpdateExpression: `REMOVE ${eventIds.map((_, index) => `pendingEvents.#e${index}`).join(', ')}`,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: names,
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
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
  async #applyToMessage(
    correlation: SubmitCorrelation,
    receipt: DeliveryReceipt,
    now: number,
  ): Promise<ApplyReceiptResult> {
    const facts: ReceiptFacts = {
      state: receipt.state,
      ...(receipt.errorCode === undefined ? {} : { errorCode: receipt.errorCode }),
    };
    for (let attempt = 0; attempt < this.#options.maxConflictRetries; attempt += 1) {
      const record = await this.getMessage(correlation.messageId);
      if (record === undefined) return { kind: 'orphaned', correlation };
      const change = applyReceiptToRecord(record, correlation.partNumber, facts, now);
      if (!change.changed) return { kind: 'applied', correlation, record, changed: false, created: [] };
      const update = recordUpdate(change.record, change.events);
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
          created: change.events,
        };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new MessageStoreError('applyReceipt (the record kept changing)');
  }

  /**
   * The message update and the SUBMIT items in one transaction, with a check per SUBMIT that no early
   * receipt waits for it. A waiting receipt is applied (pure) and deleted in the next round; a moved
   * version is re-read from the cancellation and `settle` runs again on it.
   */
  async #writeCorrelated(write: CorrelatedWrite): Promise<RecordedChange> {
    const { now } = write;
    // Early receipts found so far, by the normalised id they were kept under.
    const early = new Map<string, { partNumber: number; receipt: StoredReceipt }>();
    let base = write.base;
    const maxRounds = this.#options.maxConflictRetries;
    for (let round = 0; round < maxRounds; round += 1) {
      let { record, created } = write.settle(base);
      for (const { partNumber, receipt } of early.values()) {
        const change = applyReceiptToRecord(record, partNumber, storedFacts(receipt), now);
        record = change.record;
        created = [...created, ...change.events];
      }
      const update = recordUpdate(record, created);
      const condition =
        write.claimToken === undefined
          ? '#version = :expectedVersion'
          : '#version = :expectedVersion AND claimToken = :claimToken';
      const transactItems: NonNullable<
        ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
      > = [
        {
          Update: {
            TableName: this.#options.tables.messages,
            Key: messageKey(write.messageId),
            UpdateExpression: update.expression,
            ConditionExpression: condition,
            ExpressionAttributeNames: update.names,
            ExpressionAttributeValues: {
              ...update.values,
              ':expectedVersion': base.version,
              ...(write.claimToken === undefined ? {} : { ':claimToken': write.claimToken }),
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ];
      const checked: string[] = [];
      const expiresAt = correlationExpiresAt(now, write.validityPeriod);
      const totalParts = Math.max(record.totalParts ?? 0, record.parts.length);
      for (const part of write.accepted) {
        const submit: SubmitCorrelation = {
          messageId: write.messageId,
          partNumber: part.partNumber,
          totalParts,
          smscMessageId: part.smscMessageId,
        };
        transactItems.push({
          Put: {
            TableName: this.#options.tables.correlation,
            Item: {
              ...submitCorrelationKey(write.subAccount, part.normalisedSmscMessageId),
              ...submit,
              createdAt: now,
              expiresAt,
            },
          },
        });
        const receiptKey = earlyReceiptKey(write.subAccount, part.normalisedSmscMessageId);
        if (early.has(part.normalisedSmscMessageId)) {
          transactItems.push({ Delete: { TableName: this.#options.tables.correlation, Key: receiptKey } });
        } else {
          checked.push(part.normalisedSmscMessageId);
          transactItems.push({
            ConditionCheck: {
              TableName: this.#options.tables.correlation,
              Key: receiptKey,
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          });
        }
      }
      try {
        await this.#call('recordSubmission', (abortSignal) =>
          this.#client.send(new TransactWriteCommand({ TransactItems: transactItems }), { abortSignal }),
        );
        return { record: { ...record, version: base.version + 1 }, created };
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons === undefined) throw error;
        let retry = false;
        const messageReason = reasons[0];
        if (messageReason?.Code === 'ConditionalCheckFailed') {
          const current = messageRecordFromItem(fromAttributeMap(messageReason.Item));
          if (
            current === undefined ||
            (write.claimToken !== undefined && current.claimToken !== write.claimToken)
          ) {
            throw new ClaimLostError(
              write.messageId,
              current === undefined
                ? undefined
                : {
                    status: current.status,
                    ...(current.claimOwner ? { claimOwner: current.claimOwner } : {}),
                  },
            );
          }
          base = current;
          retry = true;
        }
        reasons.forEach((reason, index) => {
          if (index === 0) return;
          if (reason.Code === 'TransactionConflict') retry = true;
          if (reason.Code !== 'ConditionalCheckFailed') return;
          const receipt = fromAttributeMap(reason.Item) as StoredReceipt | undefined;
          // Items after the update come in pairs per part: Put SUBMIT, then the check (or delete).
          const part = write.accepted[Math.floor((index - 1) / 2)];
          if (receipt !== undefined && part !== undefined && checked.includes(part.normalisedSmscMessageId)) {
            early.set(part.normalisedSmscMessageId, { partNumber: part.partNumber, receipt });
            retry = true;
          }
        });
        if (reasons.some((reason) => reason.Code === 'TransactionConflict')) await delay(20 + 30 * round);
        if (!retry) throw new MessageStoreError('recordSubmission', { cause: error });
      }
    }
    throw new MessageStoreError('recordSubmission (the record kept changing)');
  }

  async #queryCorrelation(
    subAccount: string,
    id: string,
    operation: string,
  ): Promise<Record<string, unknown>[]> {
    const result = await this.#call(operation, (abortSignal) =>
      this.#client.send(
        new QueryCommand({
          TableName: this.#options.tables.correlation,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': submitCorrelationKey(subAccount, id).pk },
          ConsistentRead: true,
        }),
        { abortSignal },
      ),
    );
    return result.Items ?? [];
  }

  /** Runs one SDK call with a timeout; conditional failures pass through for the caller, anything else is wrapped. */
  async #call<T>(operation: string, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await run(AbortSignal.timeout(this.#options.requestTimeoutMs));
    } catch (error) {
      if (isConditionalCheckFailed(error) || cancellationReasons(error) !== undefined) throw error;
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
    pendingEvents: old?.pendingEvents ?? {},
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

/** `SET` of every changeable field the record has, the new pending events, and version + 1. */
function recordUpdate(
  record: MessageRecord,
  created: readonly PendingEvent[],
): { expression: string; names: Record<string, string>; values: Record<string, unknown> } {
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
  created.forEach((event, index) => {
    names['#pendingEvents'] = 'pendingEvents';
    names[`#event${index}`] = event.eventId;
    values[`:event${index}`] = event;
    sets.push(`#pendingEvents.#event${index} = :event${index}`);
  });
  sets.push('#version = #version + :one');
  return { expression: `SET ${sets.join(', ')}`, names, values };
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

interface CancellationReason {
  Code?: string;
  Item?: unknown;
}

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (errorName(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons;
  return Array.isArray(reasons) ? reasons : [];
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
