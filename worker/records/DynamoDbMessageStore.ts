/**
 * The worker's MessageStore on DynamoDB: the recording use case (MessageRecording.ts) over the tables
 * (DynamoDbRecordTables.ts), built from one set of options so the wiring and the tests build it one way.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { parseOptions } from '../../core/runtime/parseOptions.js';
import { DynamoDbRecordTables } from './DynamoDbRecordTables.js';
import { MessageRecording } from './MessageRecording.js';

export const dynamoDbMessageStoreOptionsSchema = z.object({
  tables: z.object({ messages: z.string().min(3), correlation: z.string().min(3) }),
  /** Abort one DynamoDB call after this. */
  requestTimeoutMs: z.int().min(100).default(5_000),
  /** Tries of a read-modify-write that keeps meeting concurrent changes. */
  maxConflictRetries: z.int().min(1).max(50).default(8),
  /** Sub-account id → the SMPP system_id it binds as (MessageRecording's `systemIds`). */
  systemIds: z.record(z.string(), z.string().min(1)).default({}),
});
export type DynamoDbMessageStoreOptions = z.input<typeof dynamoDbMessageStoreOptionsSchema> & {
  client: DynamoDBDocumentClient;
};

export class DynamoDbMessageStore extends MessageRecording {
  constructor(options: DynamoDbMessageStoreOptions) {
    const parsed = parseOptions(dynamoDbMessageStoreOptionsSchema, options, 'message store');
    super({
      tables: new DynamoDbRecordTables({
        client: options.client,
        tables: parsed.tables,
        requestTimeoutMs: parsed.requestTimeoutMs,
      }),
      systemIds: parsed.systemIds,
      maxConflictRetries: parsed.maxConflictRetries,
    });
  }
}
