/**
 * Names and keys of the fleet's AWS resources, as plain data read by both the CDK stack and the emulator
 * bootstrap (local/aws/createFleetResources.ts), so the two cannot drift.
 *
 * Every table has a string partition key `pk` and sort key `sk`; key values start with the item kind, so an
 * item read by mistake from the wrong table or code path never parses as the wrong thing.
 *
 * | table       | pk                                   | sk            | item                                                   |
 * | ----------- | ------------------------------------ | ------------- | ------------------------------------------------------ |
 * | messages    | `MSG#<messageId>`                    | `MSG`         | the message record, its parts (SMSC id, state) inside  |
 * |             | `UNREADABLE#` / `INBOUND#` / `UNMATCHED#<systemId>` | see eventItemKeys | event items (below)  |
 * |             | `SUP#<subAccount>#<E.164 number>`    | `SUP`         | the number is on the sub-account's suppression list    |
 * | correlation | `SMSC#<systemId>#<normalised id>`    | `SUBMIT`      | which message and part 8x8 gave this id to, and/or a   |
 * |             |                                      |               | receipt that came before that was recorded             |
 * | idempotency | `IDEM#<subAccount>#<idempotencyKey>` | `IDEM`        | the message id the key was first used for              |
 * | velocity    | `VEL#<subAccount>#DEST#<number>` / `#ALL` | `HOUR#…`/`DAY#…` | a velocity counter (`count`) for one window  |
 * |             | `VEL#<subAccount>#MSG#<messageId>`   | `VEL`         | the message was counted (core/velocityLimits.ts)       |
 * | leases      | `LEASE#<subAccount>`                 | `SLOT#<n>`    | bind slot n (0..bindCap-1): holder, fence, expiry      |
 * |             | `WORKERS`                            | `WORKER#<id>` | a worker's presence: `aliveUntilMs`, `binds` (status)  |
 *
 * Index `byAcceptedAt` on messages (GSI, sparse, KEYS_ONLY): partition `acceptedShard` =
 * `MSG#<UTC day>#<shard>`, sort `createdAt` (epoch ms). The latest messages are a Query per shard of today
 * (newest first, Limit n) merged, then the records by BatchGetItem: no Scan. Both attributes are written
 * when the record is created (the API's put, or the worker's claim of a message put straight on SQS) and
 * never change, and only keys are projected, so the index costs one write per message, not one per state
 * change. The shard (a hash of the message id) spreads a day's writes over `acceptedIndexShards` index
 * partitions, each good for ~1,000 writes/s. (Details and cost: docs/api.md, GET /status.)
 *
 * Suppression items (opt-outs, issue 15) live in the messages table, not a table of their own:
 * - the `SMS Opted Out` event must follow the write that puts a number on the list, and the messages
 *   table's stream is what publishes events from writes (core/recordChangeEvents.ts): the item carries its
 *   event like an event item, so no second write and no other stream consumer;
 * - the worker and the send API already reach this table, so the check before a send is one GetItem (a
 *   batch, one BatchGetItem) on a key known in advance, with no new table to provision, watch or back up;
 * - the key is per (sub-account, number), so a sub-account with an empty list pays the same single read
 *   as one with a long list, and only sub-accounts with `optOuts` in the fleet config pay it at all.
 * They have no `expiresAt`: an opt-out holds until it is deleted.
 *
 * - Receipts are correlated by the SMSC id under the SMPP system_id, not the sub-account: 8x8 sends a
 *   receipt to any bind of the same system_id, so sub-accounts that share one must find each other's
 *   submissions (a sub-account's system_id is its id unless the config says otherwise), normalised by worker/receipts/smscMessageId.ts so hex/decimal and letter case cannot split one id in two.
 *   `SUBMIT` and `RECEIPT` share a partition: one Query finds both, whichever came first.
 * - One Query on `LEASE#<subAccount>` lists every slot of a sub-account.
 * - The messages table has a change stream (NEW_AND_OLD_IMAGES): the fleet's events are derived from it by the
 *   records-stream consumer (lambdas/publishRecordEvents.ts; `recordStreamSettings` below), so a record write
 *   is the commit of its events. Each stream record carries the item before and after the write.
 * - TTL attribute `expiresAt`, epoch seconds, on messages, correlation and idempotency. DynamoDB deletes
 *   expired items late (up to days) and moto never does: code must never rely on TTL for correctness.
 * - Correlation items live at least 48 h (8x8 waits up to 48 h for a carrier receipt), or the message's
 *   validity period if longer, plus a day of margin.
 * - The leases table has NO TTL: deleting a lease item would reset its fencing token, and a paused old
 *   holder could then share a fence value with a new one. A lease's expiry is `leaseExpiresAtMs` (epoch ms),
 *   compared in the acquire condition (`attribute_not_exists(pk) OR leaseExpiresAtMs < :now`).
 */

/** Attribute type letters as DynamoDB (and CDK's AttributeType values) spell them. */
export type KeyAttributeType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

export interface GlobalSecondaryIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /**
   * What the index copies from each item. KEYS_ONLY: an update that changes no key attribute of the index
   * writes nothing to it (DynamoDB charges an index write only when a projected attribute changes).
   */
  readonly projection: 'KEYS_ONLY' | 'ALL';
}

/** What each record of a table's change stream carries, as DynamoDB (and CDK's StreamViewType) spell it. */
export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

export interface TableDefinition {
  /** The table's name is `<resource prefix>-<nameSuffix>`. */
  readonly nameSuffix: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /** The TTL attribute (epoch seconds), if the table has one. */
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndexDefinition[];
  /** Point-in-time recovery in AWS: records and idempotency keys are worth keeping. */
  readonly pointInTimeRecovery: boolean;
  /** The table's change stream and what its records carry, if it has one. */
  readonly stream?: StreamViewType;
}

const pk: KeyAttribute = { name: 'pk', type: 'S' };
const sk: KeyAttribute = { name: 'sk', type: 'S' };

export const ttlAttribute = 'expiresAt';

/** The messages table's index of records by the time they were accepted (see the table above). */
export const acceptedIndex = {
  indexName: 'byAcceptedAt',
  partitionKey: { name: 'acceptedShard', type: 'S' },
  sortKey: { name: 'createdAt', type: 'N' },
  projection: 'KEYS_ONLY',
} as const satisfies GlobalSecondaryIndexDefinition;

/**
 * The correlation table's index of receipts still waiting for their submission. Sparse: only a receipt kept
 * before its submission sets `awaitingShard`; the submission's write removes it, and so does the report of
 * the receipt as unmatched. The reconciler reads it to report the receipts whose worker's timer never ran
 * (the worker stopped or died first): lambdas/reconcileRecords.ts.
 */
export const awaitingSubmissionIndex = {
  indexName: 'awaitingSubmission',
  partitionKey: { name: 'awaitingShard', type: 'S' },
  sortKey: { name: 'awaitingSince', type: 'N' },
  projection: 'ALL',
} as const satisfies GlobalSecondaryIndexDefinition;

/** Partitions of `awaitingSubmission`: early receipts come in bursts when an SMSC answers fast. */
export const awaitingSubmissionShards = 4;

/**
 * Index partitions per UTC day. 8 take ~8,000 new records/s before one is hot; more cost the status page a
 * Query each. Raising it later is safe (readers query every shard below the new count, old items included).
 */
export const acceptedIndexShards = 8;

export const tableDefinitions = {
  messages: {
    nameSuffix: 'messages',
    partitionKey: pk,
    sortKey: sk,
    timeToLiveAttribute: ttlAttribute,
    globalSecondaryIndexes: [acceptedIndex],
    pointInTimeRecovery: true,
    // Both images: the consumer tells which state change a write made by comparing them.
    stream: 'NEW_AND_OLD_IMAGES',
  },
  correlation: {
    nameSuffix: 'smsc-correlation',
    partitionKey: pk,
    sortKey: sk,
    timeToLiveAttribute: ttlAttribute,
    globalSecondaryIndexes: [awaitingSubmissionIndex],
    pointInTimeRecovery: false,
  },
  idempotency: {
    nameSuffix: 'idempotency-keys',
    partitionKey: pk,
    sortKey: sk,
    timeToLiveAttribute: ttlAttribute,
    globalSecondaryIndexes: [],
    pointInTimeRecovery: true,
  },
  /**
   * Velocity counters and markers (core/velocityLimits.ts), apart from the messages table: they are written
   * in a transaction per message and need no stream (nothing is published from them), and a table of their
   * own keeps the hot per-window counters off the records' partitions. Only sub-accounts with
   * `velocityLimits` write here. No PITR: the counts only matter within their day.
   */
  velocity: {
    nameSuffix: 'velocity-counters',
    partitionKey: pk,
    sortKey: sk,
    timeToLiveAttribute: ttlAttribute,
    globalSecondaryIndexes: [],
    pointInTimeRecovery: false,
  },
  leases: {
    nameSuffix: 'bind-leases',
    partitionKey: pk,
    sortKey: sk,
    globalSecondaryIndexes: [],
    pointInTimeRecovery: false,
  },
} as const satisfies Record<string, TableDefinition>;
export type TableId = keyof typeof tableDefinitions;
export const tableIds = Object.keys(tableDefinitions) as TableId[];

/** How long items are kept, in seconds (the `expiresAt` a writer sets). */
export const retentionSeconds = {
  /** Message records: 90 days of history for GET /messages/{id} and support questions. */
  messages: 90 * 86_400,
  /** Idempotency keys: a retry weeks later (a DLQ redrive) must still not send twice. */
  idempotencyKeys: 30 * 86_400,
  /** 8x8 waits up to 48 h for a carrier's receipt. */
  correlationMinimum: 48 * 3_600,
  correlationMargin: 24 * 3_600,
  /**
   * Event items (an inbound message, an unmatched receipt, an unreadable deliver_sm): published from the
   * stream when written (it keeps a change 24 h), then kept a week for anyone who missed the event.
   */
  eventItems: 7 * 86_400,
} as const;

/** The default prefix of every resource name; a stack or test may use another. */
export const defaultResourcePrefix = 'smpp-fleet';

export interface ItemKey {
  pk: string;
  sk: string;
}

export function tableName(table: TableId, prefix: string = defaultResourcePrefix): string {
  return `${prefix}-${tableDefinitions[table].nameSuffix}`;
}

export function messageKey(messageId: string): ItemKey {
  return { pk: `MSG#${messageId}`, sk: 'MSG' };
}

/** The UTC day of an epoch-ms time, `2026-12-02`. */
function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** FNV-1a of a text: a shard every writer agrees on. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Which of the day's index partitions a message goes to. */
export function acceptedIndexShard(messageId: string): number {
  return fnv1a(messageId) % acceptedIndexShards;
}

/** The index attributes of a receipt kept before its submission (see awaitingSubmissionIndex). */
export function awaitingSubmissionAttributes(
  normalisedSmscId: string,
  receivedAtMs: number,
): { awaitingShard: string; awaitingSince: number } {
  return {
    awaitingShard: `AWAITING#${fnv1a(normalisedSmscId) % awaitingSubmissionShards}`,
    awaitingSince: receivedAtMs,
  };
}

/**
 * The UpdateItem (lib-dynamodb input) that takes a reported receipt off `awaitingSubmission`. Conditional on
 * the item being there, so it never creates one; the receipt itself stays, and still matches a submission.
 */
export function unlistAwaitingReceipt(
  tableName: string,
  key: ItemKey,
): {
  TableName: string;
  Key: ItemKey;
  UpdateExpression: string;
  ConditionExpression: string;
} {
  return {
    TableName: tableName,
    Key: key,
    UpdateExpression: `REMOVE ${awaitingSubmissionIndex.partitionKey.name}, ${awaitingSubmissionIndex.sortKey.name}`,
    ConditionExpression: 'attribute_exists(pk)',
  };
}

/** Every partition of `awaitingSubmission`: one Query each lists the receipts still waiting. */
export function awaitingSubmissionPartitions(): string[] {
  return Array.from({ length: awaitingSubmissionShards }, (_, shard) => `AWAITING#${shard}`);
}

/**
 * The index attribute a message record gets when it is created (`createdAt` is the sort key and already
 * there). Set once, never updated: an update that changed it would cost an index write.
 */
export function acceptedIndexAttributes(messageId: string, createdAtMs: number): { acceptedShard: string } {
  return { acceptedShard: `MSG#${utcDay(createdAtMs)}#${acceptedIndexShard(messageId)}` };
}

/** Every index partition of the UTC day `atMs` falls in: one Query each finds that day's latest. */
export function acceptedIndexPartitions(atMs: number): string[] {
  const day = utcDay(atMs);
  return Array.from({ length: acceptedIndexShards }, (_, shard) => `MSG#${day}#${shard}`);
}

/**
 * The correlation table's one item per SMSC id (`normalisedSmscId` from worker/receipts/smscMessageId.ts):
 * the submission it belongs to (messageId, partNumber) once recorded, and a receipt that came before that
 * (`earlyReceipt`). One item, so the second of the two writes reads the first in its own answer (ALL_OLD)
 * and neither side needs a read of its own to close the race. The sort key keeps the name it had when early
 * receipts were items of their own, so submissions recorded by earlier versions still match.
 */
export function correlationKey(systemId: string, normalisedSmscId: string): ItemKey {
  return { pk: `SMSC#${systemId}#${normalisedSmscId}`, sk: 'SUBMIT' };
}

/**
 * Event items, in the messages table so its stream publishes them (core/recordChangeEvents.ts): what the
 * SMSC sent that is not a message record. Each kind of a system_id is one Query away; a copy (a redelivered
 * deliver_sm, a second check) lands on the same item.
 */
export const eventItemKeys = {
  /** A deliver_sm the worker could not read, kept with its bytes (`sk`: a hash of them). */
  unreadable: (systemId: string, contentHash: string): ItemKey => ({
    pk: `UNREADABLE#${systemId}`,
    sk: contentHash,
  }),
  /** An inbound (MO) message (`sk`: its inbound message id). */
  inbound: (systemId: string, inboundMessageId: string): ItemKey => ({
    pk: `INBOUND#${systemId}`,
    sk: inboundMessageId,
  }),
  /** A receipt still without its submission after the grace period (`sk`: its normalised id and stat). */
  unmatched: (systemId: string, normalisedSmscId: string, stat: string): ItemKey => ({
    pk: `UNMATCHED#${systemId}`,
    sk: `${normalisedSmscId}#${stat}`,
  }),
} as const;

/**
 * The reconciler's progress in the messages table: every record accepted before `reconciledToMs` has been
 * looked at. Not a record (no messageId), so the stream announces nothing for it.
 */
export const reconcilerWatermarkKey: ItemKey = { pk: 'RECONCILER', sk: 'WATERMARK' };

/** A number on a sub-account's suppression list (`number` in E.164, with its '+'). */
export function suppressionKey(subAccount: string, phoneNumber: string): ItemKey {
  return { pk: `SUP#${subAccount}#${phoneNumber}`, sk: 'SUP' };
}

export function idempotencyKey(subAccount: string, key: string): ItemKey {
  return { pk: `IDEM#${subAccount}#${key}`, sk: 'IDEM' };
}

export function leasePartitionKey(subAccount: string): string {
  return `LEASE#${subAccount}`;
}

export function leaseKey(subAccount: string, slot: number): ItemKey {
  if (!Number.isInteger(slot) || slot < 0)
    throw new RangeError(`lease slot must be a whole number ≥ 0, got ${slot}`);
  return { pk: leasePartitionKey(subAccount), sk: `SLOT#${slot}` };
}

/** One Query on this partition lists every worker's presence item (leases table). */
export const workerPresencePartitionKey = 'WORKERS';

/** A worker's presence item in the leases table: written each heartbeat, removed on clean shutdown. */
export function workerPresenceKey(workerId: string): ItemKey {
  return { pk: workerPresencePartitionKey, sk: `WORKER#${workerId}` };
}

/** Epoch seconds for `expiresAt`, `retention` seconds after `nowMs`. */
export function expiresAtSeconds(nowMs: number, retention: number): number {
  return Math.ceil(nowMs / 1_000) + retention;
}

/** `expiresAt` for a correlation item: outlives 8x8's 48 h receipt wait and the message's validity period. */
export function correlationExpiresAt(nowMs: number, validityPeriodSeconds?: number): number {
  const wait = Math.max(retentionSeconds.correlationMinimum, validityPeriodSeconds ?? 0);
  return expiresAtSeconds(nowMs, wait + retentionSeconds.correlationMargin);
}

/** A sub-account's send queue (standard SQS). Sub-account ids are limited so this is a valid queue name. */
export function queueNameFor(subAccountId: string, prefix: string = defaultResourcePrefix): string {
  return `${prefix}-send-${subAccountId}`;
}

const deadLetterQueueSuffix = '-dlq';

export function deadLetterQueueNameFor(subAccountId: string, prefix: string = defaultResourcePrefix): string {
  return `${queueNameFor(subAccountId, prefix)}${deadLetterQueueSuffix}`;
}

/** A send queue's DLQ URL: the DLQ is named after its queue, in the same account and region. */
export function deadLetterQueueUrlFor(queueUrl: string): string {
  return `${queueUrl}${deadLetterQueueSuffix}`;
}

export const queueSettings = {
  /** Receives before a message goes to the DLQ: enough for retries with backoff, few enough to stop a poison one. */
  maxReceiveCount: 5,
  /** The worker extends it while a message waits for rate tokens. */
  visibilityTimeoutSeconds: 60,
  /** Four days, SQS's default: room for an outage and a redeploy. */
  messageRetentionSeconds: 4 * 86_400,
  /** The DLQ keeps messages the longest SQS allows. */
  deadLetterRetentionSeconds: 14 * 86_400,
  receiveWaitTimeSeconds: 20,
} as const;

export function eventBusNameFor(prefix: string = defaultResourcePrefix): string {
  return `${prefix}-events`;
}

/**
 * Where the records-stream consumer's failures go: what the event source mapping sends when it gives up on
 * a batch (which shard and sequence numbers; the records themselves stay in the table).
 */
export function recordEventsDeadLetterQueueNameFor(prefix: string = defaultResourcePrefix): string {
  return `${prefix}-record-events-dlq`;
}

/**
 * How the records-stream consumer reads the messages table's stream: the stack's event source mapping
 * (infra/constructs/RecordEvents.ts) and the local runner that stands in for it read these, so the two
 * cannot drift.
 */
export const recordStreamSettings = {
  /** From the oldest record the stream still has: a consumer created after the table misses nothing. */
  startingPosition: 'TRIM_HORIZON',
  /** Records per invocation; their events go out in PutEvents calls of 10. */
  batchSize: 100,
  /** A failing batch is split in two and retried, so one bad record does not hold back the others. */
  bisectBatchOnError: true,
  /** The handler names the records it could not publish; the retry starts from the first of them. */
  reportBatchItemFailures: true,
  /**
   * Retries of a failing record (splitting a batch does not count) before it goes to the on-failure DLQ.
   * Bounded: a record that keeps failing blocks the records behind it in its shard, and every retry
   * publishes again the events of the records after it in the batch (the same ids; subscribers drop the
   * copies). Ten retries ride out a throttled or briefly failing EventBridge; a longer outage ends in the
   * DLQ, whose alarm asks an operator to act (docs/deploy.md).
   */
  retryAttempts: 10,
  /**
   * The stream keeps records 24 h; older ones are gone whatever this says. Set explicitly rather than
   * left at "until the stream drops it", so the bound is visible; the iterator-age alarm fires long before.
   */
  maxRecordAgeSeconds: 24 * 3_600,
  /**
   * Batches of one shard processed at once. Lambda keeps the records of one partition key (here, one
   * message: `pk` is `MSG#<id>`) in order across the concurrent batches, so a message's changes still
   * reach the bus in the order they were written. 2 rather than 1: a batch waits on EventBridge round
   * trips (and their retries), and with one batch per shard a slow call holds back every message of that
   * shard; a second lane halves that at no cost per record.
   */
  parallelizationFactor: 2,
} as const;

/**
 * Environment variable NAMES the worker (and the API handlers, for the subset they need) read; the stack
 * sets them and local/ sets them for `npm start` and the tests. Values are described beside each.
 */
export const workerEnv = {
  /** The fleet config as JSON text (core/fleetConfig.ts). */
  fleetConfig: 'FLEET_CONFIG',
  messagesTable: 'MESSAGES_TABLE',
  correlationTable: 'CORRELATION_TABLE',
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  leasesTable: 'LEASES_TABLE',
  /** The velocity counters (core/velocityLimits.ts); needed only when a sub-account has velocityLimits. */
  velocityTable: 'VELOCITY_TABLE',
  /** JSON object: sub-account id → its send queue URL. */
  sendQueueUrls: 'SEND_QUEUE_URLS',
  /** Unique per worker (the ECS task id in AWS); the lease holder name. */
  workerId: 'WORKER_ID',
  logLevel: 'LOG_LEVEL',
  /** Port of the worker's health endpoint (GET /health: 200 while bound or standing by). */
  healthPort: 'HEALTH_PORT',
  /** `true` masks phone numbers in logs to their last 4 digits. */
  maskPhoneNumbers: 'MASK_PHONE_NUMBERS',
  /**
   * How often the worker publishes its gauges and counters, ms (default 60,000). Leave it unset in AWS: the
   * binds alarm sums one BindsHeld per worker per minute. Tests shorten it to see the metrics sooner.
   */
  metricsIntervalMs: 'METRICS_INTERVAL_MS',
  /** The AWS SDK reads these itself: the emulator's endpoint locally, unset in AWS. */
  awsEndpointUrl: 'AWS_ENDPOINT_URL',
  awsRegion: 'AWS_REGION',
} as const;
export type WorkerEnvName = (typeof workerEnv)[keyof typeof workerEnv];
