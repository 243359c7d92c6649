/**
 * Reads what the fleet writes, for the status page (GET /status.json): the leases table (bind slots and
 * worker presence), the latest accepted message records, and each send queue's and DLQ's depth. Each source
 * is read on its own: one that fails is named in `problems` and the rest is still shown. The view is decided
 * by core/fleetStatusView.ts (pure).
 *
 * Every read is one the tables support at any size, and all are reads (the function's role allows nothing
 * else):
 * - leases: a Query per sub-account partition (its few slots) and one on `WORKERS` (a few workers);
 * - messages: a Query per shard of today's partitions of the `byAcceptedAt` index (core/tableKeys.ts), newest
 *   first with Limit n, merged; yesterday's too when today has fewer than n; then one BatchGetItem of the n
 *   records, projected to what the page shows. No Scan: the cost does not grow with the table;
 * - queues: GetQueueAttributes of each send queue and its DLQ.
 * Counts by state are over the n records read (core/fleetStatusView.ts says why).
 */
import { GetQueueAttributesCommand, type QueueAttributeName, type SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  buildFleetStatusView,
  defaultStatusMessageLimit,
  type FleetStatusView,
  type QueueAttributes,
  type SubAccountSettings,
} from '../../core/fleetStatusView.js';
import {
  acceptedIndex,
  acceptedIndexPartitions,
  type ItemKey,
  leasePartitionKey,
  workerPresencePartitionKey,
} from '../../core/tableKeys.js';

export interface StatusSubAccount extends SubAccountSettings {
  readonly queueUrl: string | undefined;
  readonly deadLetterQueueUrl: string | undefined;
}

export interface FleetStatusReaderOptions {
  /** Built once in the wiring; the reader never destroys them. */
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly tables: { readonly leases: string; readonly messages: string };
  readonly subAccounts: readonly StatusSubAccount[];
  /** Latest messages read and shown (at most 100: one BatchGetItem). @default 20 */
  readonly messageLimit?: number;
  /** UTC days searched for the latest messages, today first. @default 2 (today and yesterday) */
  readonly messageDays?: number;
  /**
   * Each AWS call is aborted after this. The slowest read is four calls in a row (today's shards,
   * yesterday's, two BatchGetItem tries): 4 × 2 s stays inside the function's 10 s. @default 2000
   */
  readonly callTimeoutMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

type Item = Record<string, unknown>;

const dayMs = 86_400_000;
/** BatchGetItem's own limit per call. */
const maxBatchGetKeys = 100;
/** A BatchGetItem may leave keys unprocessed under throttling: tries before the read is reported failed. */
const batchGetTries = 2;

const queueAttributeNames: QueueAttributeName[] = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
];

/** Only what the page shows: not the text, the pending events or claim bookkeeping. */
const messageAttributes = [
  'messageId',
  'subAccount',
  'to',
  'from',
  'status',
  'totalParts',
  'parts',
  'errorCode',
  'errorDescription',
  'inDoubt',
  'createdAt',
  'updatedAt',
  'submittedAt',
  'finalAt',
] as const;

interface LatestMessages {
  readonly items: Item[];
  readonly sinceMs: number;
}

export class FleetStatusReader {
  readonly #options: FleetStatusReaderOptions;
  readonly #now: () => number;
  readonly #limit: number;

  constructor(options: FleetStatusReaderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#limit = Math.min(options.messageLimit ?? defaultStatusMessageLimit, maxBatchGetKeys);
  }

  async read(): Promise<FleetStatusView> {
    const { subAccounts } = this.#options;
    const problems: string[] = [];
    const attempt = async <T>(what: string, read: () => Promise<T>, fallback: T): Promise<T> => {
      try {
        return await read();
      } catch (error) {
        problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
        return fallback;
      }
    };
    const [leaseItems, presenceItems, latest, queues] = await Promise.all([
      Promise.all(
        subAccounts.map((account) =>
          attempt(`bind slots of ${account.id}`, () => this.#queryLeases(leasePartitionKey(account.id)), []),
        ),
      ),
      attempt('worker presence', () => this.#queryLeases(workerPresencePartitionKey), []),
      attempt('latest messages', () => this.#latestMessages(), undefined),
      Promise.all(
        subAccounts.map(async (account) => {
          const [queue, deadLetterQueue] = await Promise.all([
            attempt(`queue of ${account.id}`, () => this.#queueAttributes(account.queueUrl), undefined),
            attempt(
              `DLQ of ${account.id}`,
              () => this.#queueAttributes(account.deadLetterQueueUrl),
              undefined,
            ),
          ]);
          return [account.id, { queue, deadLetterQueue }] as const;
        }),
      ),
    ]);
    return buildFleetStatusView({
      nowMs: this.#now(),
      subAccounts,
      leaseItems: leaseItems.flat(),
      presenceItems,
      messageItems: latest?.items ?? [],
      ...(latest === undefined ? {} : { messagesSinceMs: latest.sinceMs }),
      queues: Object.fromEntries(queues),
      problems,
      messageLimit: this.#limit,
    });
  }

  #signal(): AbortSignal {
    return AbortSignal.timeout(this.#options.callTimeoutMs ?? 2_000);
  }

  /** A partition of the leases table: a sub-account's few slots, or the presence of a few workers. */
  async #queryLeases(pk: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.#options.dynamo.send(
        new QueryCommand({
          TableName: this.#options.tables.leases,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':pk': pk },
          ExclusiveStartKey: startKey,
        }),
        { abortSignal: this.#signal() },
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  /** The newest `limit` records by acceptance time, from the index, then the records themselves. */
  async #latestMessages(): Promise<LatestMessages> {
    const limit = this.#limit;
    const now = this.#now();
    const days = Math.max(1, this.#options.messageDays ?? 2);
    const found: { messageKey: ItemKey; createdAt: number }[] = [];
    let sinceMs = now;
    for (let day = 0; day < days && found.length < limit; day++) {
      const atMs = now - day * dayMs;
      sinceMs = atMs - (atMs % dayMs);
      const shards = await Promise.all(
        acceptedIndexPartitions(atMs).map((partition) => this.#queryAccepted(partition, limit)),
      );
      found.push(...shards.flat());
    }
    const newest = found.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
    return { items: await this.#getRecords(newest.map((entry) => entry.messageKey)), sinceMs };
  }

  /** One index partition's newest `limit` keys (KEYS_ONLY: the table's key and the index's). */
  async #queryAccepted(partition: string, limit: number) {
    const page = await this.#options.dynamo.send(
      new QueryCommand({
        TableName: this.#options.tables.messages,
        IndexName: acceptedIndex.indexName,
        KeyConditionExpression: '#shard = :shard',
        ExpressionAttributeNames: { '#shard': acceptedIndex.partitionKey.name },
        ExpressionAttributeValues: { ':shard': partition },
        ScanIndexForward: false,
        Limit: limit,
      }),
      { abortSignal: this.#signal() },
    );
    return (page.Items ?? []).flatMap((item) => {
      const createdAt = item[acceptedIndex.sortKey.name];
      return typeof item.pk === 'string' && typeof item.sk === 'string' && typeof createdAt === 'number'
        ? [{ messageKey: { pk: item.pk, sk: item.sk }, createdAt }]
        : [];
    });
  }

  async #getRecords(keys: readonly ItemKey[]): Promise<Item[]> {
    if (keys.length === 0) return [];
    const table = this.#options.tables.messages;
    // `to`, `from` and `status` are reserved words: every name goes through a placeholder.
    const names = Object.fromEntries(messageAttributes.map((name, index) => [`#a${index}`, name]));
    const items: Item[] = [];
    let pending: Item[] = keys.map((key) => ({ ...key }));
    for (let tries = 0; pending.length > 0; tries++) {
      if (tries === batchGetTries)
        throw new Error(`${pending.length} of ${keys.length} records stayed unprocessed (throttled)`);
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** tries));
      const answer = await this.#options.dynamo.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: pending,
              ProjectionExpression: Object.keys(names).join(', '),
              ExpressionAttributeNames: names,
            },
          },
        }),
        { abortSignal: this.#signal() },
      );
      items.push(...(answer.Responses?.[table] ?? []));
      pending = answer.UnprocessedKeys?.[table]?.Keys ?? [];
    }
    return items;
  }

  async #queueAttributes(queueUrl: string | undefined): Promise<QueueAttributes | undefined> {
    if (queueUrl === undefined) return undefined;
    const result = await this.#options.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: queueAttributeNames }),
      { abortSignal: this.#signal() },
    );
    return result.Attributes ?? {};
  }
}
