/**
 * The suppression list in the messages table (why there: core/tableKeys.ts). `find` is one GetItem,
 * eventually consistent (half a read unit): an opt-out written a moment ago may let one more message
 * through, which the carriers' rules allow for (a reply confirming the opt-out is itself a message).
 * `add` is one conditional PutItem whose item carries its `SMS Opted Out` for the table's stream.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Suppression, suppressionFromItem, suppressionItem } from '../../core/suppressions.js';
import { suppressionKey } from '../../core/tableKeys.js';
import { withTimeout } from '../runtime/withTimeout.js';
import { SuppressionListError } from './errors.js';
import type { SuppressionList } from './SuppressionList.js';

export interface DynamoDbSuppressionListOptions {
  client: DynamoDBDocumentClient;
  /** The messages table. */
  tableName: string;
  /** Per call. @default 5_000 */
  requestTimeoutMs?: number;
}

export class DynamoDbSuppressionList implements SuppressionList {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #timeoutMs: number;

  constructor(options: DynamoDbSuppressionListOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#timeoutMs = options.requestTimeoutMs ?? 5_000;
  }

  async find(
    subAccount: string,
    phoneNumber: string,
    signal?: AbortSignal,
  ): Promise<Suppression | undefined> {
    try {
      const { Item } = await withTimeout(
        this.#timeoutMs,
        (abortSignal) =>
          this.#client.send(
            new GetCommand({ TableName: this.#tableName, Key: suppressionKey(subAccount, phoneNumber) }),
            { abortSignal },
          ),
        signal === undefined ? {} : { signal },
      );
      return suppressionFromItem(Item);
    } catch (error) {
      throw new SuppressionListError('find', { cause: error });
    }
  }

  async add(suppression: Suppression): Promise<'added' | 'exists'> {
    try {
      await withTimeout(this.#timeoutMs, (abortSignal) =>
        this.#client.send(
          new PutCommand({
            TableName: this.#tableName,
            Item: suppressionItem(suppression),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
          { abortSignal },
        ),
      );
      return 'added';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw new SuppressionListError('add', { cause: error });
    }
  }
}
