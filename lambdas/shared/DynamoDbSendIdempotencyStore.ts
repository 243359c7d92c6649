/**
 * Powertools' DynamoDB persistence layer fitted to the fleet's idempotency table (core/tableKeys.ts: string
 * `pk` and `sk`, TTL attribute `expiresAt`).
 *
 * Powertools' own composite-key mode (`sortKeyAttr`) puts every record under one static partition key: one
 * hot partition, about 1,000 writes/s, and each keyed request writes twice. Instead each record gets its own
 * partition, the one core/tableKeys gives the key (`IDEM#<subAccount>#<idempotencyKey>`), with sort key
 * `HTTP`: an operator finds the first answer to a key with one GetItem, beside any other item about that key.
 * That is two protected hooks: the record key (readable, not a hash) and the item key.
 */

import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SendRequest } from '../../core/sendRequest.js';
import { idempotencyKey, ttlAttribute } from '../../core/tableKeys.js';

/** Sort key of the HTTP answer to an idempotency key (beside the partition's other items). */
export const httpIdempotencySortKey = 'HTTP';

/** Attribute names of a Powertools record in the idempotency table. */
export const idempotencyRecordAttributes = {
  key: 'pk',
  sortKey: 'sk',
  expiry: ttlAttribute,
  inProgressExpiry: 'inProgressExpiresAtMs',
  status: 'status',
  data: 'response',
  validation: 'requestHash',
} as const;

/** What a keyed POST /messages is made idempotent on: the key names the record, `request` is compared. */
export interface SendIdempotencyPayload {
  subAccount: string;
  idempotencyKey: string;
  request: SendRequest;
}

export class DynamoDbSendIdempotencyStore extends DynamoDBPersistenceLayer {
  constructor(options: { client: DynamoDBClient; tableName: string }) {
    super({
      tableName: options.tableName,
      awsSdkV3Client: options.client,
      keyAttr: idempotencyRecordAttributes.key,
      expiryAttr: idempotencyRecordAttributes.expiry,
      inProgressExpiryAttr: idempotencyRecordAttributes.inProgressExpiry,
      statusAttr: idempotencyRecordAttributes.status,
      dataAttr: idempotencyRecordAttributes.data,
      validationKeyAttr: idempotencyRecordAttributes.validation,
    });
  }

  /** The record's key is the table's partition key for (sub-account, key): readable, and unique per pair. */
  protected override getHashedIdempotencyKey(data: unknown): string {
    const payload = data as Partial<SendIdempotencyPayload> | null;
    if (typeof payload?.subAccount !== 'string' || typeof payload.idempotencyKey !== 'string') {
      throw new TypeError('an idempotent send needs { subAccount, idempotencyKey, request }');
    }
    return idempotencyKey(payload.subAccount, payload.idempotencyKey).pk;
  }

  protected override getKey(recordKey: string): Record<string, AttributeValue> {
    return {
      [idempotencyRecordAttributes.key]: { S: recordKey },
      [idempotencyRecordAttributes.sortKey]: { S: httpIdempotencySortKey },
    };
  }
}
