/** MessageStore on the messages table through the DynamoDB document client. */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AcceptedMessageItem } from '../../core/messageRecord.js';
import { isConditionalCheckFailed } from '../../core/runtime/isConditionalCheckFailed.js';
import { messageKey } from '../../core/tableKeys.js';
import { StorageUnavailableError } from './errors.js';
import type { CreateResult, MessageStore } from './MessageStore.js';

export interface DynamoDbMessageStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Told about a cleanup that failed (it is best effort). */
  onCleanupError?: (messageId: string, error: unknown) => void;
}

export class DynamoDbMessageStore implements MessageStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #onCleanupError: (messageId: string, error: unknown) => void;

  constructor(options: DynamoDbMessageStoreOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#onCleanupError = options.onCleanupError ?? (() => {});
  }

  async create(item: AcceptedMessageItem): Promise<CreateResult> {
    // Twice at most: an existing record can vanish between the refused put and the read (deleteUnqueued).
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.#client.send(
          new PutCommand({
            TableName: this.#tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { created: true };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) {
          throw new StorageUnavailableError('PutItem', { cause: error });
        }
      }
      const existing = await this.get(item.messageId);
      if (existing !== undefined) return { created: false, existing };
    }
    throw new StorageUnavailableError('PutItem (the record appeared and vanished twice)');
  }

  async get(messageId: string): Promise<Record<string, unknown> | undefined> {
    try {
      const result = await this.#client.send(
        new GetCommand({ TableName: this.#tableName, Key: messageKey(messageId), ConsistentRead: true }),
      );
      return result.Item;
    } catch (error) {
      throw new StorageUnavailableError('GetItem', { cause: error });
    }
  }

  async deleteUnqueued(messageId: string): Promise<void> {
    try {
      await this.#client.send(
        new DeleteCommand({
          TableName: this.#tableName,
          Key: messageKey(messageId),
          ConditionExpression: '#status = :accepted AND #source = :api',
          ExpressionAttributeNames: { '#status': 'status', '#source': 'source' },
          ExpressionAttributeValues: { ':accepted': 'accepted', ':api': 'api' },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) this.#onCleanupError(messageId, error);
    }
  }
}
