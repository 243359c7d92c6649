/**
 * Puts and consistent gets of independent items from many concurrent callers, combined into BatchWriteItem
 * (≤ 25 puts) and BatchGetItem (≤ 100 keys) calls after at most `lingerMs`. Each caller's promise settles
 * on its own item; unprocessed items are retried with backoff. One SDK call costs far more CPU than an
 * item in it, so SUBMIT correlation items for a busy worker cost a fraction of a call each.
 *
 * Puts here are unconditional (BatchWriteItem has no conditions): only for items whose last write wins.
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { withTimeout } from '../runtime/withTimeout.js';
import { MessageStoreError } from './errors.js';

export interface DynamoDbItemBatcherOptions {
  client: DynamoDBDocumentClient;
  /** @default 5 */
  lingerMs?: number;
  /** Abort one batch call after this. @default 5_000 */
  requestTimeoutMs?: number;
  /** Rounds of retrying unprocessed items. @default 8 */
  maxRounds?: number;
}

type Key = { pk: string; sk: string } & Record<string, unknown>;
/** A key only. */
type ItemKey = { pk: string; sk: string };

interface PendingPut {
  table: string;
  item: Key;
  resolve: () => void;
  reject: (error: Error) => void;
}

interface PendingGet {
  table: string;
  key: ItemKey;
  resolve: (item: Record<string, unknown> | undefined) => void;
  reject: (error: Error) => void;
}

const maxPuts = 25;
const maxGets = 100;

export class DynamoDbItemBatcher {
  readonly #client: DynamoDBDocumentClient;
  readonly #lingerMs: number;
  readonly #requestTimeoutMs: number;
  readonly #maxRounds: number;
  #puts: PendingPut[] = [];
  #gets: PendingGet[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: DynamoDbItemBatcherOptions) {
    this.#client = options.client;
    this.#lingerMs = options.lingerMs ?? 5;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.#maxRounds = options.maxRounds ?? 8;
  }

  put(table: string, item: Key): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#puts.push({ table, item, resolve, reject });
      if (this.#puts.length >= maxPuts) this.#flushPuts();
      else this.#schedule();
    });
  }

  /** A strongly consistent read of one item. */
  get(table: string, key: ItemKey): Promise<Record<string, unknown> | undefined> {
    return new Promise((resolve, reject) => {
      this.#gets.push({ table, key, resolve, reject });
      if (this.#gets.length >= maxGets) this.#flushGets();
      else this.#schedule();
    });
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#flushPuts();
      this.#flushGets();
    }, this.#lingerMs);
  }

  #flushPuts(): void {
    while (this.#puts.length > 0) {
      const batch = this.#puts.splice(0, maxPuts);
      void this.#writeBatch(batch);
    }
  }

  #flushGets(): void {
    while (this.#gets.length > 0) {
      const batch = this.#gets.splice(0, maxGets);
      void this.#getBatch(batch);
    }
  }

  async #writeBatch(batch: PendingPut[]): Promise<void> {
    // Two puts of one key in one call are refused by DynamoDB: the later one wins, the earlier is done with it.
    const byKey = new Map<string, PendingPut[]>();
    for (const put of batch) {
      const id = `${put.table}\u0000${put.item.pk}\u0000${put.item.sk}`;
      byKey.set(id, [...(byKey.get(id) ?? []), put]);
    }
    let remaining = [...byKey.values()];
    for (let round = 0; remaining.length > 0; round += 1) {
      if (round >= this.#maxRounds) {
        const error = new MessageStoreError('BatchWriteItem (items left unprocessed)');
        for (const group of remaining) for (const put of group) put.reject(error);
        return;
      }
      if (round > 0) await delay(25 * 2 ** Math.min(round, 6));
      const requestItems: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> = {};
      for (const group of remaining) {
        const last = group.at(-1) as PendingPut;
        requestItems[last.table] ??= [];
        requestItems[last.table]?.push({ PutRequest: { Item: last.item } });
      }
      try {
        const result = await withTimeout(this.#requestTimeoutMs, (abortSignal) =>
          this.#client.send(new BatchWriteCommand({ RequestItems: requestItems }), { abortSignal }),
        );
        const unprocessed = new Set<string>();
        for (const [table, requests] of Object.entries(result.UnprocessedItems ?? {})) {
          for (const request of requests) {
            const item = request.PutRequest?.Item;
            if (item) unprocessed.add(`${table}\u0000${String(item.pk)}\u0000${String(item.sk)}`);
          }
        }
        const next: PendingPut[][] = [];
        for (const group of remaining) {
          const last = group.at(-1) as PendingPut;
          if (unprocessed.has(`${last.table}\u0000${last.item.pk}\u0000${last.item.sk}`)) next.push(group);
          else for (const put of group) put.resolve();
        }
        remaining = next;
      } catch (error) {
        const wrapped = new MessageStoreError('BatchWriteItem', { cause: error });
        for (const group of remaining) for (const put of group) put.reject(wrapped);
        return;
      }
    }
  }

  async #getBatch(batch: PendingGet[]): Promise<void> {
    const waiting = new Map<string, PendingGet[]>();
    for (const get of batch) {
      const id = `${get.table}\u0000${get.key.pk}\u0000${get.key.sk}`;
      waiting.set(id, [...(waiting.get(id) ?? []), get]);
    }
    let remaining = [...waiting.keys()];
    for (let round = 0; remaining.length > 0; round += 1) {
      if (round >= this.#maxRounds) {
        const error = new MessageStoreError('BatchGetItem (keys left unprocessed)');
        for (const id of remaining) for (const get of waiting.get(id) ?? []) get.reject(error);
        return;
      }
      if (round > 0) await delay(25 * 2 ** Math.min(round, 6));
      const requestItems: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: true }> = {};
      for (const id of remaining) {
        const first = waiting.get(id)?.[0] as PendingGet;
        requestItems[first.table] ??= { Keys: [], ConsistentRead: true };
        requestItems[first.table]?.Keys.push({ pk: first.key.pk, sk: first.key.sk });
      }
      try {
        const result = await withTimeout(this.#requestTimeoutMs, (abortSignal) =>
          this.#client.send(new BatchGetCommand({ RequestItems: requestItems }), { abortSignal }),
        );
        const found = new Map<string, Record<string, unknown>>();
        for (const [table, items] of Object.entries(result.Responses ?? {})) {
          for (const item of items)
            found.set(`${table}\u0000${String(item.pk)}\u0000${String(item.sk)}`, item);
        }
        const unprocessed = new Set<string>();
        for (const [table, request] of Object.entries(result.UnprocessedKeys ?? {})) {
          for (const key of request.Keys ?? [])
            unprocessed.add(`${table}\u0000${String(key.pk)}\u0000${String(key.sk)}`);
        }
        for (const id of remaining) {
          if (unprocessed.has(id)) continue;
          for (const get of waiting.get(id) ?? []) get.resolve(found.get(id));
        }
        remaining = remaining.filter((id) => unprocessed.has(id));
      } catch (error) {
        const wrapped = new MessageStoreError('BatchGetItem', { cause: error });
        for (const id of remaining) for (const get of waiting.get(id) ?? []) get.reject(wrapped);
        return;
      }
    }
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
