/**
 * Bind-slot leases and worker presence in the DynamoDB leases table (core/tableKeys.ts):
 *   `LEASE#<subAccount>` / `SLOT#<n>`: holder, fence, leaseExpiresAtMs   (never deleted: the fence must survive)
 *   `WORKERS` / `WORKER#<id>`: aliveUntilMs, draining, binds (what its binds do)   (removed on clean shutdown)
 *
 * Each method is one request. Acquire is the conditional update Powertools' idempotency layer uses for its
 * records (`attribute_not_exists(#id) OR #expiry < :now`), plus `ADD fence :one` and a clause that lets a
 * holder take back its own lease. A refusal comes back with the item it ran into
 * (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`), so nobody reads twice to learn the holder.
 *
 * Requests can land late (a retried or timed-out call still in the network). The conditions keep a late one
 * harmless: renew and release need the holder AND the fence (any takeover raised it), and neither renew nor
 * a holder's re-acquire moves an expiry backwards.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../../core/runtime/isConditionalCheckFailed.js';
import {
  leaseKey,
  leasePartitionKey,
  workerPresenceKey,
  workerPresencePartitionKey,
} from '../../core/tableKeys.js';
import type {
  AcquireLeaseRequest,
  AcquireLeaseResult,
  LeaseCallOptions,
  LeaseStore,
  ReleaseLeaseRequest,
  RemovePresenceOptions,
  RenewLeaseRequest,
  RenewLeaseResult,
  WorkerPresence,
} from './LeaseStore.js';
import type { LeaseSlot } from './leaseDecisions.js';

export interface DynamoDbLeaseStoreOptions {
  /** Built once in the wiring; this adapter never creates or destroys it. */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

const slotPrefix = 'SLOT#';
const workerPrefix = 'WORKER#';

/** Attribute names, always through placeholders (DynamoDB reserves hundreds of plain words). */
const names = {
  '#pk': 'pk',
  '#holder': 'holder',
  '#fence': 'fence',
  '#expires': 'leaseExpiresAtMs',
} as const;

export class DynamoDbLeaseStore implements LeaseStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: DynamoDbLeaseStoreOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async acquire(request: AcquireLeaseRequest, options: LeaseCallOptions = {}): Promise<AcquireLeaseResult> {
    const expiresAt = request.nowMs + request.leaseMs;
    try {
      const result = await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: leaseKey(request.subAccount, request.slot),
          UpdateExpression:
            'SET #holder = :holder, #expires = :expiresAt, #acquiredAt = :now ADD #fence :one',
          ConditionExpression:
            'attribute_not_exists(#pk) OR #expires < :now OR (#holder = :holder AND #expires <= :expiresAt)',
          ExpressionAttributeNames: { ...names, '#acquiredAt': 'acquiredAtMs' },
          ExpressionAttributeValues: {
            ':holder': request.holder,
            ':expiresAt': expiresAt,
            ':now': request.nowMs,
            ':one': 1,
          },
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: options.signal },
      );
      return {
        outcome: 'acquired',
        fence: requiredNumber(result.Attributes?.fence, 'acquire: fence'),
        leaseExpiresAtMs: expiresAt,
      };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return {
        outcome: 'held',
        current: slotFromRawItem(error.Item as RawLeaseItem | undefined, request.slot),
      };
    }
  }

  async renew(request: RenewLeaseRequest, options: LeaseCallOptions = {}): Promise<RenewLeaseResult> {
    const expiresAt = request.nowMs + request.leaseMs;
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: leaseKey(request.subAccount, request.slot),
          UpdateExpression: 'SET #expires = :expiresAt, #renewedAt = :now',
          ConditionExpression: '#holder = :holder AND #fence = :fence AND #expires <= :expiresAt',
          ExpressionAttributeNames: {
            '#holder': names['#holder'],
            '#fence': names['#fence'],
            '#expires': names['#expires'],
            '#renewedAt': 'renewedAtMs',
          },
          ExpressionAttributeValues: {
            ':holder': request.holder,
            ':fence': request.fence,
            ':expiresAt': expiresAt,
            ':now': request.nowMs,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: options.signal },
      );
      return { outcome: 'renewed', leaseExpiresAtMs: expiresAt };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = slotFromRawItem(error.Item as RawLeaseItem | undefined, request.slot);
      // Still ours, with a later expiry than asked: an earlier request of ours that landed late lost to a
      // newer one. The lease runs at least to what we asked for.
      if (current?.holder === request.holder && current.fence === request.fence) {
        return { outcome: 'renewed', leaseExpiresAtMs: current.leaseExpiresAtMs };
      }
      return { outcome: 'lost', current };
    }
  }

  async release(request: ReleaseLeaseRequest, options: LeaseCallOptions = {}): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: leaseKey(request.subAccount, request.slot),
          // Expiry 0, not "now": a taker whose clock runs behind ours must not wait for it.
          UpdateExpression: 'SET #expires = :zero, #releasedAt = :now, #releasedBy = :holder REMOVE #holder',
          ConditionExpression: '#holder = :holder AND #fence = :fence',
          ExpressionAttributeNames: {
            '#holder': names['#holder'],
            '#fence': names['#fence'],
            '#expires': names['#expires'],
            '#releasedAt': 'releasedAtMs',
            '#releasedBy': 'releasedBy',
          },
          ExpressionAttributeValues: {
            ':holder': request.holder,
            ':fence': request.fence,
            ':zero': 0,
            ':now': request.nowMs,
          },
        }),
        { abortSignal: options.signal },
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async listSlots(subAccount: string, options: LeaseCallOptions = {}): Promise<LeaseSlot[]> {
    // A few items per sub-account (≤ its cap): one page always holds them all.
    const result = await this.#client.send(
      new QueryCommand({
        TableName: this.#tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': leasePartitionKey(subAccount), ':prefix': slotPrefix },
        // A stale read could show a holder that has already moved on: read what the conditions see.
        ConsistentRead: true,
      }),
      { abortSignal: options.signal },
    );
    return (result.Items ?? [])
      .map((item) => slotFromItem(item))
      .filter((slot): slot is LeaseSlot => slot !== undefined)
      .sort((a, b) => a.slot - b.slot);
  }

  async putPresence(presence: WorkerPresence, options: LeaseCallOptions = {}): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#tableName,
        Item: {
          ...workerPresenceKey(presence.workerId),
          workerId: presence.workerId,
          aliveUntilMs: presence.aliveUntilMs,
          // An unconditional Put of the worker's own item: it touches no slot item and no lease condition.
          ...(presence.draining === true ? { draining: true } : {}),
          ...(presence.binds === undefined ? {} : { binds: presence.binds }),
        },
      }),
      { abortSignal: options.signal },
    );
  }

  async listPresence(options: LeaseCallOptions = {}): Promise<WorkerPresence[]> {
    const presences: WorkerPresence[] = [];
    let startKey: Record<string, unknown> | undefined;
    // Dead workers' items are pruned by the live ones, so this is one page in practice.
    do {
      const result = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':pk': workerPresencePartitionKey },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
        { abortSignal: options.signal },
      );
      for (const item of result.Items ?? []) {
        const sk = item.sk;
        const aliveUntilMs = item.aliveUntilMs;
        if (typeof sk !== 'string' || !sk.startsWith(workerPrefix) || typeof aliveUntilMs !== 'number')
          continue;
        presences.push({
          workerId: sk.slice(workerPrefix.length),
          aliveUntilMs,
          ...(item.draining === true ? { draining: true } : {}),
        });
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined);
    return presences;
  }

  async removePresence(workerId: string, options: RemovePresenceOptions = {}): Promise<void> {
    const { expiredBeforeMs } = options;
    try {
      await this.#client.send(
        new DeleteCommand({
          TableName: this.#tableName,
          Key: workerPresenceKey(workerId),
          ...(expiredBeforeMs === undefined
            ? {}
            : {
                ConditionExpression: 'aliveUntilMs < :before',
                ExpressionAttributeValues: { ':before': expiredBeforeMs },
              }),
        }),
        { abortSignal: options.signal },
      );
    } catch (error) {
      // The worker came back (or someone else pruned it first): nothing to do.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}

function slotFromItem(item: Record<string, unknown>): LeaseSlot | undefined {
  const sk = item.sk;
  if (typeof sk !== 'string' || !sk.startsWith(slotPrefix)) return undefined;
  const slot = Number(sk.slice(slotPrefix.length));
  if (!Number.isInteger(slot) || slot < 0) return undefined;
  return {
    slot,
    holder: typeof item.holder === 'string' ? item.holder : undefined,
    fence: typeof item.fence === 'number' ? item.fence : 0,
    leaseExpiresAtMs: typeof item.leaseExpiresAtMs === 'number' ? item.leaseExpiresAtMs : 0,
  };
}

/**
 * The item a refused condition returned. The document client does not unmarshall errors, so it is still in
 * AttributeValue form ({ S: … }, { N: … }); only the three attributes a lease decision needs are read.
 */
type RawLeaseItem = Record<string, { S?: string; N?: string } | undefined>;

function slotFromRawItem(raw: RawLeaseItem | undefined, slot: number): LeaseSlot | undefined {
  if (raw === undefined) return undefined;
  const number = (value: { N?: string } | undefined) => (value?.N === undefined ? 0 : Number(value.N));
  return {
    slot,
    holder: raw.holder?.S,
    fence: number(raw.fence),
    leaseExpiresAtMs: number(raw.leaseExpiresAtMs),
  };
}

function requiredNumber(value: unknown, what: string): number {
  if (typeof value !== 'number')
    throw new TypeError(`${what}: expected a number from DynamoDB, got ${typeof value}`);
  return value;
}
