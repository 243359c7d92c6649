/**
 * The reconciler: a scheduled function (infra/constructs/Reconciler.ts; locally `npm start` runs it every few
 * minutes, local/reconciler) that settles the records no SQS message can move any more
 * (docs/delivery-guarantees.md, "A message whose SQS message is gone"). Each run:
 *
 * 1. queries the `byAcceptedAt` index (core/tableKeys.ts) for the records accepted in its window (below),
 *    which ends the send queue's reach ago (core/reconcileRecord.ts `queueReachMs`) — one Query per shard
 *    of each UTC day the window touches, no Scan;
 * 2. reads those records (BatchGetItem of 100);
 * 3. decides each (core/reconcileRecord.ts, pure) and writes the decision with a conditional UpdateItem:
 *    the status and version it read must still be there, so a record a worker or a receipt moved meanwhile
 *    is left as it is now.
 *
 * It publishes nothing: the messages table's stream announces the change (`SMS Failed`, or `SMS
 * Submitted`), as for every other write. A second run finds the records already final: idempotent.
 *
 * It also reports the receipts a worker kept before their submission and never reported (its timer dies
 * with it): each one still listed in the correlation table's `awaitingSubmission` index `unmatchedAfterMs`
 * after it came is re-read, announced by an `UNMATCHED#` event item (`SMS Delivery Receipt Unmatched`, the
 * same item and event id the worker would have written) and taken off the index. The index has no window:
 * a receipt waits there until a run reports it, however long the reconciler was down.
 *
 * The window has no gap: a watermark item (core/tableKeys.ts `reconcilerWatermarkKey`) keeps how far the
 * runs got. A run looks from `overlapMs` before the watermark to the reach, and moves the watermark only
 * when it has looked at all of it, so a failed run, or a reconciler stopped for days, is made up by the
 * next runs, at most `maxSpanMs` of acceptances per run (a long outage is caught up over several runs, each
 * within the function's timeout). The first run ever looks back `lookbackMs`.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmatchedReceiptEvent } from '../core/messageEvents.js';
import { earlyReceiptOf, type MessageRecord, messageRecordFromItem } from '../core/messageRecord.js';
import {
  queueReachMs,
  type ReconcileChange,
  reconcileRecord,
  utcDaysBetween,
} from '../core/reconcileRecord.js';
import { eventItem } from '../core/recordChangeEvents.js';
import { isConditionalCheckFailed } from '../core/runtime/isConditionalCheckFailed.js';
import {
  acceptedIndex,
  acceptedIndexPartitions,
  awaitingSubmissionIndex,
  awaitingSubmissionPartitions,
  eventItemKeys,
  type ItemKey,
  reconcilerWatermarkKey,
  unlistAwaitingReceipt,
} from '../core/tableKeys.js';
import {
  type Env,
  readAwsClientSettings,
  readCorrelationTable,
  readMessagesTable,
  readObservabilityConfig,
} from './shared/apiConfig.js';
import { createApiLogger } from './shared/observability.js';

/** What one run did, logged and returned (the local runner and the tests read it). */
export interface ReconcileSummary {
  /** Records read in the window. */
  examined: number;
  failed: number;
  submitted: number;
  /** Moved by someone else between the read and the write: left as they are now. */
  changedMeanwhile: number;
  /** Early receipts no worker reported, announced as unmatched by this run. */
  unmatchedReported: number;
}

export type ReconcileHandler = () => Promise<ReconcileSummary>;

export interface ReconcileRecordsDeps {
  /** Built once in the wiring; never destroyed here. */
  readonly dynamo: DynamoDBDocumentClient;
  readonly messagesTable: string;
  readonly correlationTable: string;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default core's queueReachMs (the send queue's retention + 1 h) */
  readonly reachMs?: number;
  /** How far the first run ever looks back. @default defaultLookbackMs */
  readonly lookbackMs?: number;
  /** How far before the watermark each run starts again. @default defaultOverlapMs */
  readonly overlapMs?: number;
  /** The most acceptance time one run looks at. @default defaultMaxSpanMs */
  readonly maxSpanMs?: number;
  /** @default defaultUnmatchedAfterMs */
  readonly unmatchedAfterMs?: number;
}

/**
 * A receipt still waiting this long was missed by its worker, whose timer reports it after 2 minutes
 * (worker/receipts/ReceiptRecorder.ts `unmatchedGraceMs`): the worker stopped or died first.
 */
export const defaultUnmatchedAfterMs = 10 * 60_000;

export const defaultLookbackMs = 2 * 3_600_000;
/** Each record is looked at by the runs of an hour (four at 15 minutes), not only by the first. */
export const defaultOverlapMs = 3_600_000;
/** A day of acceptances: ~8 Query pages a shard and BatchGetItems of 100, well within the 5-minute timeout. */
export const defaultMaxSpanMs = 24 * 3_600_000;

const maxBatchGetKeys = 100;
const batchGetTries = 5;

type Item = Record<string, unknown>;

export function createReconcileRecordsHandler(deps: ReconcileRecordsDeps): ReconcileHandler {
  const now = deps.now ?? Date.now;
  const reachMs = deps.reachMs ?? queueReachMs;
  const lookbackMs = deps.lookbackMs ?? defaultLookbackMs;
  const table = deps.messagesTable;

  const queryPartition = async (partition: string, fromMs: number, toMs: number): Promise<ItemKey[]> => {
    const keys: ItemKey[] = [];
    let startKey: Item | undefined;
    do {
      const page = await deps.dynamo.send(
        new QueryCommand({
          TableName: table,
          IndexName: acceptedIndex.indexName,
          KeyConditionExpression: '#shard = :shard AND #at BETWEEN :from AND :to',
          ExpressionAttributeNames: {
            '#shard': acceptedIndex.partitionKey.name,
            '#at': acceptedIndex.sortKey.name,
          },
          ExpressionAttributeValues: { ':shard': partition, ':from': fromMs, ':to': toMs },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? [])
        if (typeof item.pk === 'string' && typeof item.sk === 'string')
          keys.push({ pk: item.pk, sk: item.sk });
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return keys;
  };

  const getRecords = async (keys: readonly ItemKey[]): Promise<Item[]> => {
    const items: Item[] = [];
    for (let start = 0; start < keys.length; start += maxBatchGetKeys) {
      let pending: Item[] = keys.slice(start, start + maxBatchGetKeys).map((key) => ({ ...key }));
      for (let tries = 0; pending.length > 0; tries++) {
        if (tries === batchGetTries)
          throw new Error(`${pending.length} records stayed unprocessed by BatchGetItem (throttled)`);
        if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** tries));
        const answer = await deps.dynamo.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
        );
        items.push(...(answer.Responses?.[table] ?? []));
        pending = answer.UnprocessedKeys?.[table]?.Keys ?? [];
      }
    }
    return items;
  };

  /** true when written; false when the record moved since it was read. */
  const write = async (item: Item, record: MessageRecord, change: ReconcileChange): Promise<boolean> => {
    const names: Record<string, string> = { '#status': 'status', '#version': 'version' };
    const values: Record<string, unknown> = {
      ':readStatus': record.status,
      ':nextVersion': record.version + 1,
    };
    const sets = ['#version = :nextVersion'];
    for (const [index, [name, value]] of Object.entries(change).entries()) {
      if (value === undefined) continue;
      names[`#c${index}`] = name;
      values[`:c${index}`] = value;
      sets.push(`#c${index} = :c${index}`);
    }
    const versionHeld =
      typeof item.version === 'number' ? '#version = :readVersion' : 'attribute_not_exists(#version)';
    if (typeof item.version === 'number') values[':readVersion'] = item.version;
    try {
      await deps.dynamo.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `#status = :readStatus AND ${versionHeld}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  };

  const readWatermark = async (): Promise<number | undefined> => {
    const { Item } = await deps.dynamo.send(
      new GetCommand({ TableName: table, Key: reconcilerWatermarkKey, ConsistentRead: true }),
    );
    return typeof Item?.reconciledToMs === 'number' ? Item.reconciledToMs : undefined;
  };

  /** Forward only: a slower run that finishes after a later one never moves it back. */
  const advanceWatermark = async (toMs: number): Promise<void> => {
    try {
      await deps.dynamo.send(
        new UpdateCommand({
          TableName: table,
          Key: reconcilerWatermarkKey,
          UpdateExpression: 'SET reconciledToMs = :to',
          ConditionExpression: 'attribute_not_exists(reconciledToMs) OR reconciledToMs < :to',
          ExpressionAttributeValues: { ':to': toMs },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  };

  const reportUnmatched = async (nowMs: number): Promise<number> => {
    const before = nowMs - (deps.unmatchedAfterMs ?? defaultUnmatchedAfterMs);
    let reported = 0;
    for (const partition of awaitingSubmissionPartitions()) {
      let startKey: Item | undefined;
      do {
        const page = await deps.dynamo.send(
          new QueryCommand({
            TableName: deps.correlationTable,
            IndexName: awaitingSubmissionIndex.indexName,
            KeyConditionExpression: '#shard = :shard AND #since < :before',
            ExpressionAttributeNames: {
              '#shard': awaitingSubmissionIndex.partitionKey.name,
              '#since': awaitingSubmissionIndex.sortKey.name,
            },
            ExpressionAttributeValues: { ':shard': partition, ':before': before },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const listed of page.Items ?? []) {
          if (await reportOne({ pk: String(listed.pk), sk: String(listed.sk) }, nowMs)) reported += 1;
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    }
    return reported;
  };

  /** true when announced now; false when matched meanwhile (the index lags the table) or unreadable. */
  const reportOne = async (key: ItemKey, nowMs: number): Promise<boolean> => {
    const { Item: item } = await deps.dynamo.send(
      new GetCommand({ TableName: deps.correlationTable, Key: key, ConsistentRead: true }),
    );
    const receipt = earlyReceiptOf(item);
    const subAccount = item?.subAccount;
    const systemId = item?.systemId ?? subAccount;
    if (item?.messageId !== undefined || receipt === undefined) return false;
    if (typeof subAccount !== 'string' || typeof systemId !== 'string') {
      deps.logger.warn('an early receipt without its sub-account; left listed', { key });
      return false;
    }
    const event = unmatchedReceiptEvent(subAccount, receipt, nowMs);
    try {
      await deps.dynamo.send(
        new PutCommand({
          TableName: table,
          Item: eventItem(
            eventItemKeys.unmatched(systemId, receipt.smscMessageId, event.detail.receiptStatus ?? ''),
            event,
          ),
          // The worker may have announced it already: the first item stands (one stream record, one event).
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    try {
      await deps.dynamo.send(new UpdateCommand(unlistAwaitingReceipt(deps.correlationTable, key)));
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    deps.logger.warn('reported an early receipt no worker reported as unmatched', {
      subAccount,
      smscMessageId: receipt.rawMessageId,
      receivedAt: receipt.receivedAt,
    });
    return true;
  };

  return async () => {
    const nowMs = now();
    const watermark = await readWatermark();
    const reach = nowMs - reachMs;
    const fromMs =
      watermark === undefined
        ? reach - lookbackMs
        : Math.min(watermark, reach) - (deps.overlapMs ?? defaultOverlapMs);
    const toMs = Math.min(reach, fromMs + (deps.maxSpanMs ?? defaultMaxSpanMs));
    const partitions = utcDaysBetween(fromMs, toMs).flatMap((dayMs) => acceptedIndexPartitions(dayMs));
    const keys = (await Promise.all(partitions.map((p) => queryPartition(p, fromMs, toMs)))).flat();
    const items = await getRecords(keys);
    const summary: ReconcileSummary = {
      examined: items.length,
      failed: 0,
      submitted: 0,
      changedMeanwhile: 0,
      unmatchedReported: 0,
    };
    for (const item of items) {
      const record = messageRecordFromItem(item);
      if (record === undefined) continue;
      const decision = reconcileRecord(record, { nowMs, reachMs });
      if (decision.action === 'leave') continue;
      if (!(await write(item, record, decision.change))) {
        summary.changedMeanwhile += 1;
        continue;
      }
      summary[decision.action === 'fail' ? 'failed' : 'submitted'] += 1;
      deps.logger.warn('reconciled a record no SQS message could move any more', {
        messageId: record.messageId,
        subAccount: record.subAccount,
        from: record.status,
        to: decision.change.status,
        errorCode: decision.change.errorCode,
      });
    }
    await advanceWatermark(toMs);
    summary.unmatchedReported = await reportUnmatched(nowMs);
    deps.logger.info('reconcile run', { ...summary, fromMs, toMs });
    return summary;
  };
}

/** The handler of one container (AWS) or the local runner, from its environment. */
export function reconcileRecordsHandlerFromEnv(
  env: Env,
  overrides: Pick<
    ReconcileRecordsDeps,
    'now' | 'reachMs' | 'lookbackMs' | 'overlapMs' | 'maxSpanMs' | 'unmatchedAfterMs'
  > = {},
): ReconcileHandler {
  const logger = createApiLogger(readObservabilityConfig(env));
  const client = new DynamoDBClient({
    ...readAwsClientSettings(env),
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
  });
  return createReconcileRecordsHandler({
    dynamo: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    messagesTable: readMessagesTable(env),
    correlationTable: readCorrelationTable(env),
    logger,
    ...overrides,
  });
}

let built: ReconcileHandler | undefined;

/** Invoked by the schedule (its event carries nothing the run needs). */
export const handler = (): Promise<ReconcileSummary> => {
  built ??= reconcileRecordsHandlerFromEnv(process.env);
  return built();
};
