/**
 * Reads what the fleet writes, for the status page: the leases table (bind slots and worker presence), the
 * messages table, and each send queue's and DLQ's depth. The same tables and queues a deployed fleet
 * writes, so pointed at AWS it would show that fleet. Each source is read on its own: one that fails is
 * named in `problems` and the rest is still shown. The view is decided by buildFleetStatusView (pure).
 *
 * Messages: the table has no index by time (production readers look a message up by id), so the latest
 * come from a Scan sorted here — acceptable for this local page, not for a production table, where every
 * refresh would read (and pay for) the whole table. To keep it cheap the Scan is filtered to records updated
 * since the previous read's oldest shown one (latestMessagesCutoff) and projected to what the page shows;
 * the counts by state come from a second, status-only Scan. The emulator serves DynamoDB one request at a
 * time and the workers' lease renewals queue behind these, so each Scan waits many times as long as it
 * last took before it runs again (the page shows when each was read).
 */
import { GetQueueAttributesCommand, type QueueAttributeName, type SQSClient } from '@aws-sdk/client-sqs';
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { leasePartitionKey, workerPresencePartitionKey } from '../../core/tableKeys.js';
import {
  buildFleetStatusView,
  type FleetStatusView,
  latestMessagesCutoff,
  type QueueAttributes,
  type SubAccountSettings,
} from './fleetStatusView.js';

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
  /** Records kept from one Scan, at most (the first read of a large table). @default 2000 */
  readonly maxMessagesRead?: number;
  /** Latest messages shown. @default 20 */
  readonly messageLimit?: number;
  /** Each AWS call is aborted after this. @default 3000 */
  readonly callTimeoutMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

type Item = Record<string, unknown>;

/** What one kind of Scan last returned, and what it cost. */
interface ScanResult {
  readonly items: Item[];
  readonly readAtMs: number;
  readonly tookMs: number;
}

/**
 * A Scan runs again after max(floor, spacing × its last duration), so it takes at most 1/spacing of the
 * emulator's time: with 600 records under load (measured here) the latest-messages Scan took about 0.1 s
 * and the status-only one 0.2–0.3 s, so the list refreshes about every second and the counts every 10 s.
 */
const latestScan = { floorMs: 0, spacing: 9 } as const;
const countScan = { floorMs: 10_000, spacing: 20 } as const;
const defaultMessageLimit = 20;

const queueAttributeNames: QueueAttributeName[] = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
];

/** Only what the page shows: not the pending events or claim bookkeeping. */
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

export class FleetStatusReader {
  readonly #options: FleetStatusReaderOptions;
  readonly #now: () => number;
  #latest: ScanResult | undefined;
  #statuses: ScanResult | undefined;

  constructor(options: FleetStatusReaderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
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
    const limit = this.#options.messageLimit ?? defaultMessageLimit;
    const [leaseItems, presenceItems, latest, statuses, queues] = await Promise.all([
      Promise.all(
        subAccounts.map((account) =>
          attempt(
            `bind slots of ${account.id}`,
            () => this.#queryPartition(leasePartitionKey(account.id)),
            [],
          ),
        ),
      ),
      attempt('worker presence', () => this.#queryPartition(workerPresencePartitionKey), []),
      this.#due(this.#latest, latestScan)
        ? attempt('latest messages', () => this.#timed(() => this.#scanLatest(limit)), this.#latest)
        : this.#latest,
      this.#due(this.#statuses, countScan)
        ? attempt('message counts', () => this.#timed(() => this.#scanStatuses()), this.#statuses)
        : this.#statuses,
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
    this.#latest = latest;
    this.#statuses = statuses;
    return buildFleetStatusView({
      nowMs: this.#now(),
      subAccounts,
      leaseItems: leaseItems.flat(),
      presenceItems,
      messageItems: latest?.items ?? [],
      messagesReadAtMs: latest?.readAtMs,
      statusItems: statuses?.items,
      statusesReadAtMs: statuses?.readAtMs,
      queues: Object.fromEntries(queues),
      problems,
      messageLimit: limit,
    });
  }

  #due(last: ScanResult | undefined, pacing: { floorMs: number; spacing: number }): boolean {
    return (
      last === undefined ||
      this.#now() - last.readAtMs >= Math.max(pacing.floorMs, pacing.spacing * last.tookMs)
    );
  }

  async #timed(scan: () => Promise<Item[]>): Promise<ScanResult> {
    const started = performance.now();
    const items = await scan();
    return { items, readAtMs: this.#now(), tookMs: performance.now() - started };
  }

  #signal(): AbortSignal {
    return AbortSignal.timeout(this.#options.callTimeoutMs ?? 3_000);
  }

  /** A partition of the leases table: a sub-account's few slots, or the presence of a few workers. */
  async #queryPartition(pk: string): Promise<Item[]> {
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

  /** The records that can be among the latest `limit`: updated no earlier than the last read's limit-th. */
  #scanLatest(limit: number): Promise<Item[]> {
    const cutoff = latestMessagesCutoff(this.#latest?.items ?? [], limit);
    // `to`, `from` and `status` are reserved words: every name goes through a placeholder.
    const names = Object.fromEntries(messageAttributes.map((name, index) => [`#a${index}`, name]));
    return this.#scan(this.#options.maxMessagesRead ?? 2_000, {
      ProjectionExpression: Object.keys(names).join(', '),
      ...(cutoff === 0
        ? { ExpressionAttributeNames: names }
        : {
            ExpressionAttributeNames: { ...names, '#updated': 'updatedAt' },
            FilterExpression: '#updated >= :cutoff',
            ExpressionAttributeValues: { ':cutoff': cutoff },
          }),
    });
  }

  #scanStatuses(): Promise<Item[]> {
    // Every record, however many: a count over part of the table would be wrong, not just late.
    return this.#scan(Number.POSITIVE_INFINITY, {
      ProjectionExpression: '#status',
      ExpressionAttributeNames: { '#status': 'status' },
    });
  }

  async #scan(
    max: number,
    expressions: Pick<
      ScanCommandInput,
      'ProjectionExpression' | 'ExpressionAttributeNames' | 'FilterExpression' | 'ExpressionAttributeValues'
    >,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.#options.dynamo.send(
        new ScanCommand({
          TableName: this.#options.tables.messages,
          ...expressions,
          ExclusiveStartKey: startKey,
        }),
        { abortSignal: this.#signal() },
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && items.length < max);
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
