/**
 * RecordTables on DynamoDB: the messages table (one item per message, its parts inside) and the correlation
 * table (one item per SMSC id; core/tableKeys.ts). Each operation is one call on one item; what the calls
 * mean for a message is MessageRecording's.
 *
 * - Conditions are expressions here and nowhere else: the claim's (absent, accepted, released, expired or
 *   this token's), the record's version and claim token, a correlation item without a submission.
 * - Both halves of a correlation item are written with ReturnValues ALL_OLD, so the second of a submission
 *   and its early receipt reads the first in its own answer (docs/delivery-guarantees.md, "Receipts").
 * - Every call carries a timeout (withTimeout). Conditional failures become results; anything else a
 *   MessageStoreError naming the operation.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SmsEvent } from '../../core/events.js';
import {
  earlyReceiptOf,
  type MessageRecord,
  messageRecordFromItem,
  type StoredReceipt,
  type SubmitCorrelation,
} from '../../core/messageRecord.js';
import { eventItem } from '../../core/recordChangeEvents.js';
import { isConditionalCheckFailed } from '../../core/runtime/isConditionalCheckFailed.js';
import {
  acceptedIndexAttributes,
  awaitingSubmissionAttributes,
  correlationExpiresAt,
  correlationKey,
  type ItemKey,
  messageKey,
  unlistAwaitingReceipt,
} from '../../core/tableKeys.js';
import { withTimeout } from '../runtime/withTimeout.js';
import { fromAttributeMap } from './attributeValues.js';
import { MessageStoreError } from './errors.js';
import type { ClaimInput } from './MessageStore.js';
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
} from './RecordTables.js';

export interface DynamoDbRecordTablesOptions {
  client: DynamoDBDocumentClient;
  tables: { messages: string; correlation: string };
  /** Abort one DynamoDB call after this. */
  requestTimeoutMs: number;
}

export class DynamoDbRecordTables implements RecordTables {
  readonly #client: DynamoDBDocumentClient;
  readonly #tables: { messages: string; correlation: string };
  readonly #requestTimeoutMs: number;

  constructor(options: DynamoDbRecordTablesOptions) {
    this.#client = options.client;
    this.#tables = options.tables;
    this.#requestTimeoutMs = options.requestTimeoutMs;
  }

  async getRecord(messageId: string): Promise<MessageRecord | undefined> {
    const result = await this.#call('getMessage', (abortSignal) =>
      this.#client.send(
        new GetCommand({
          TableName: this.#tables.messages,
          Key: messageKey(messageId),
          ConsistentRead: true,
        }),
        { abortSignal },
      ),
    );
    return messageRecordFromItem(result.Item);
  }

  // One UpdateItem per message, on every delivery: the check before any submit (docs/delivery-guarantees.md,
  // the claim), and it needs the record it replaced. Batching it is docs/benchmarks.md section 3's lever (a).
  async claim(
    input: ClaimInput,
  ): Promise<
    { taken: true; before: MessageRecord | undefined } | { taken: false; current: MessageRecord | undefined }
  > {
    const { initial, now } = input;
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ':submitting': 'submitting',
      ':accepted': 'accepted',
      ':token': input.claimToken,
      ':owner': input.claimOwner,
      ':claimExpiresAtMs': now + input.claimTtlMs,
      ':now': now,
      // The acceptance its validity counts from (the SQS SentTimestamp); an existing record keeps its own.
      ':createdAt': initial.createdAt,
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
      'createdAt = if_not_exists(createdAt, :createdAt)',
      'acceptedShard = if_not_exists(acceptedShard, :acceptedShard)',
      'attempts = if_not_exists(attempts, :zero) + :one',
      'version = if_not_exists(version, :zero) + :one',
      'parts = if_not_exists(parts, :parts)',
    ];
    for (const field of requestRecordFields) {
      if (initial[field] === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = initial[field];
      sets.push(`#${field} = :${field}`);
    }
    for (const field of keptRecordFields) {
      if (initial[field] === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = initial[field];
      sets.push(`#${field} = if_not_exists(#${field}, :${field})`);
    }
    try {
      const result = await this.#call('claim', (abortSignal) =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#tables.messages,
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
      return { taken: true, before: messageRecordFromItem(result.Attributes) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return { taken: false, current: currentRecordOf(error) };
    }
  }

  async updateRecord(record: MessageRecord, condition: RecordCondition): Promise<ConditionalWrite> {
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':one': 1, ':expectedVersion': condition.version };
    const sets: string[] = [];
    for (const field of changeableRecordFields) {
      const value = record[field];
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    sets.push('#version = #version + :one');
    const claimed = condition.claimToken !== undefined;
    if (claimed) values[':claimToken'] = condition.claimToken;
    try {
      await this.#call('updateRecord', (abortSignal) =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#tables.messages,
            Key: messageKey(record.messageId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: claimed
              ? '#version = :expectedVersion AND claimToken = :claimToken'
              : '#version = :expectedVersion',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
          { abortSignal },
        ),
      );
      return { written: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return { written: false, current: currentRecordOf(error) };
    }
  }

  async updateOnePartSubmitted(messageId: string, changes: FieldChanges): Promise<MessageRecord | undefined> {
    const names: Record<string, string> = { '#version': 'version', '#status': 'status' };
    const values: Record<string, unknown> = { ':one': 1, ':submitted': 'submitted' };
    const sets: string[] = [];
    for (const [field, value] of Object.entries(changes.fields)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    for (const [field, value] of Object.entries(changes.firstPart)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:part_${field}`] = value;
      sets.push(`parts[0].#${field} = :part_${field}`);
    }
    sets.push('#version = #version + :one');
    try {
      const result = await this.#call('updateOnePartSubmitted', (abortSignal) =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#tables.messages,
            Key: messageKey(messageId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression:
              '#status = :submitted AND parts[0].#status = :submitted AND size(parts) = :one',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
          { abortSignal },
        ),
      );
      return messageRecordFromItem(result.Attributes);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return undefined;
    }
  }

  async putRecordUnlessMoved(record: MessageRecord): Promise<ConditionalWrite> {
    try {
      await this.#call('putRecord', (abortSignal) =>
        this.#client.send(
          new PutCommand({
            TableName: this.#tables.messages,
            Item: {
              ...messageKey(record.messageId),
              ...record,
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
      return { written: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return { written: false, current: currentRecordOf(error) };
    }
  }

  async putEventItem(key: ItemKey, event: SmsEvent): Promise<void> {
    try {
      await this.#call('putEventItem', (abortSignal) =>
        this.#client.send(
          new PutCommand({
            TableName: this.#tables.messages,
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
  }

  async getCorrelation(ref: CorrelationRef): Promise<CorrelationItem> {
    const result = await this.#call('getCorrelation', (abortSignal) =>
      this.#client.send(
        new GetCommand({ TableName: this.#tables.correlation, Key: keyOf(ref), ConsistentRead: true }),
        { abortSignal },
      ),
    );
    return correlationItemOf(result.Item);
  }

  async setSubmission(
    ref: CorrelationRef,
    submission: SubmitCorrelation & { createdAt: number; expiresAt: number },
  ): Promise<StoredReceipt | undefined> {
    const fields = Object.keys(submission);
    const result = await this.#call('setSubmission', (abortSignal) =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tables.correlation,
          Key: keyOf(ref),
          // A receipt that came first is no longer waiting: out of the reconciler's index.
          UpdateExpression: `SET ${fields.map((field) => `#${field} = :${field}`).join(', ')} REMOVE awaitingShard, awaitingSince`,
          ExpressionAttributeNames: Object.fromEntries(fields.map((field) => [`#${field}`, field])),
          ExpressionAttributeValues: Object.fromEntries(
            Object.entries(submission).map(([field, value]) => [`:${field}`, value]),
          ),
          ReturnValues: 'ALL_OLD',
        }),
        { abortSignal },
      ),
    );
    return earlyReceiptOf(result.Attributes);
  }

  async keepEarlyReceipt(
    ref: CorrelationRef,
    subAccount: string,
    receipt: StoredReceipt,
  ): Promise<{ kept: true } | { kept: false; submission?: SubmitCorrelation }> {
    const listed = awaitingSubmissionAttributes(ref.normalisedSmscMessageId, receipt.receivedAt);
    try {
      await this.#call('keepEarlyReceipt', (abortSignal) =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#tables.correlation,
            Key: keyOf(ref),
            UpdateExpression:
              'SET earlyReceipt = :receipt, subAccount = :subAccount, systemId = :systemId, ' +
              'awaitingShard = :awaitingShard, awaitingSince = :awaitingSince, ' +
              'expiresAt = if_not_exists(expiresAt, :expiresAt)',
            // Only while there is no submission; a final receipt is never replaced, a non-final one is.
            ConditionExpression:
              'attribute_not_exists(messageId) AND (attribute_not_exists(earlyReceipt) OR earlyReceipt.#final = :false)',
            ExpressionAttributeNames: { '#final': 'final' },
            ExpressionAttributeValues: {
              ':receipt': receipt,
              ':subAccount': subAccount,
              ':systemId': ref.systemId,
              ':awaitingShard': listed.awaitingShard,
              ':awaitingSince': listed.awaitingSince,
              ':expiresAt': correlationExpiresAt(receipt.receivedAt),
              ':false': false,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
          { abortSignal },
        ),
      );
      return { kept: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const { submission } = correlationItemOf(fromAttributeMap(conditionFailureItem(error)));
      return submission === undefined ? { kept: false } : { kept: false, submission };
    }
  }

  async unlistAwaiting(ref: CorrelationRef): Promise<void> {
    try {
      await this.#call('unlistAwaiting', (abortSignal) =>
        this.#client.send(new UpdateCommand(unlistAwaitingReceipt(this.#tables.correlation, keyOf(ref))), {
          abortSignal,
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** Runs one SDK call with a timeout; conditional failures pass through for the caller, anything else is wrapped. */
  async #call<T>(operation: string, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await withTimeout(this.#requestTimeoutMs, run);
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw error;
      throw new MessageStoreError(operation, { cause: error });
    }
  }
}

const keyOf = (ref: CorrelationRef): ItemKey => correlationKey(ref.systemId, ref.normalisedSmscMessageId);

function correlationItemOf(item: Record<string, unknown> | undefined): CorrelationItem {
  const earlyReceipt = earlyReceiptOf(item);
  const submission =
    item === undefined || typeof item.messageId !== 'string' || typeof item.partNumber !== 'number'
      ? undefined
      : {
          messageId: item.messageId,
          partNumber: item.partNumber,
          totalParts: typeof item.totalParts === 'number' ? item.totalParts : 1,
          smscMessageId: typeof item.smscMessageId === 'string' ? item.smscMessageId : '',
        };
  return {
    ...(submission === undefined ? {} : { submission }),
    ...(earlyReceipt === undefined ? {} : { earlyReceipt }),
  };
}

function conditionFailureItem(error: unknown): unknown {
  return (error as { Item?: unknown }).Item;
}

/** The record a refused write found (the DocumentClient leaves a condition failure's item in wire format). */
function currentRecordOf(error: unknown): MessageRecord | undefined {
  return messageRecordFromItem(fromAttributeMap(conditionFailureItem(error)));
}
