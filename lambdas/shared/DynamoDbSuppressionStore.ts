/**
 * SuppressionStore on the messages table (why there: core/tableKeys.ts) through the DynamoDB document
 * client: GetItem, BatchGetItem, a conditional PutItem (the item carries its SMS Opted Out for the table's
 * stream) and DeleteItem, each answering with what was there so no second read is needed.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type Suppression, suppressionFromItem, suppressionItem } from '../../core/suppressions.js';
import { suppressionKey } from '../../core/tableKeys.js';
import { StorageUnavailableError } from './errors.js';
import type { SuppressionRef, SuppressionStore } from './SuppressionStore.js';

export interface DynamoDbSuppressionStoreOptions {
  client: DynamoDBDocumentClient;
  /** The messages table. */
  tableName: string;
}

/** BatchGetItem's limit per call. */
const maxKeysPerBatch = 100;
/** Rounds for keys DynamoDB left unprocessed (throttling) before the read counts as failed. */
const unprocessedRounds = 3;

export class DynamoDbSuppressionStore implements SuppressionStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: DynamoDbSuppressionStoreOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async get(ref: SuppressionRef): Promise<Suppression | undefined> {
    try {
      const { Item } = await this.#client.send(
        new GetCommand({ TableName: this.#tableName, Key: suppressionKey(ref.subAccount, ref.phoneNumber) }),
      );
      return suppressionFromItem(Item);
    } catch (error) {
      throw new StorageUnavailableError('GetItem', { cause: error });
    }
  }

  async getMany(refs: readonly SuppressionRef[]): Promise<Suppression[]> {
    const keys = [
      ...new Map(
        refs.map((ref) => {
          const key = suppressionKey(ref.subAccount, ref.phoneNumber);
          return [key.pk, key] as const;
        }),
      ).values(),
    ];
    if (keys.length === 0) return [];
    if (keys.length > maxKeysPerBatch) {
      throw new RangeError(`getMany takes at most ${maxKeysPerBatch} numbers, got ${keys.length}`);
    }
    const found: Suppression[] = [];
    let pending: Record<string, unknown>[] = keys.map((key) => ({ ...key }));
    for (let round = 0; round < unprocessedRounds && pending.length > 0; round++) {
      let result: BatchGetCommandOutput;
      try {
        result = await this.#client.send(
          new BatchGetCommand({ RequestItems: { [this.#tableName]: { Keys: pending } } }),
        );
      } catch (error) {
        throw new StorageUnavailableError('BatchGetItem', { cause: error });
      }
      for (const item of result.Responses?.[this.#tableName] ?? []) {
        const suppression = suppressionFromItem(item);
        if (suppression !== undefined) found.push(suppression);
      }
      pending = result.UnprocessedKeys?.[this.#tableName]?.Keys ?? [];
    }
    if (pending.length > 0) throw new StorageUnavailableError('BatchGetItem (keys left unprocessed)');
    return found;
  }

  async add(suppression: Suppression): Promise<{ created: boolean; suppression: Suppression }> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: suppressionItem(suppression),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true, suppression };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // The document client leaves the failed condition's item in the wire format.
        const existing = suppressionFromItem(error.Item === undefined ? undefined : unmarshall(error.Item));
        if (existing !== undefined) return { created: false, suppression: existing };
      }
      throw new StorageUnavailableError('PutItem', { cause: error });
    }
  }

  async remove(ref: SuppressionRef): Promise<Suppression | undefined> {
    try {
      const { Attributes } = await this.#client.send(
        new DeleteCommand({
          TableName: this.#tableName,
          Key: suppressionKey(ref.subAccount, ref.phoneNumber),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return suppressionFromItem(Attributes);
    } catch (error) {
      throw new StorageUnavailableError('DeleteItem', { cause: error });
    }
  }
}
