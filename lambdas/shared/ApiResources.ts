/**
 * The wiring: what the handlers are built from, made from their environment once per container (in AWS,
 * `process.env`; locally, the env given to local/httpApi) and shared by every route built from the same
 * instance. Each piece is made on first use, so a route never requires variables it does not read.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type Env,
  readAwsClientSettings,
  readIdempotencyTable,
  readLeasesTable,
  readMessagesTable,
  readPublicBaseUrl,
  readStatusSubAccounts,
  readSubAccountRoutes,
  readSuppressionSubAccounts,
  readVelocityTable,
  type SubAccountRoute,
} from './apiConfig.js';
import type { ApiRuntime } from './apiHandler.js';
import { DynamoDbMessageStore } from './DynamoDbMessageStore.js';
import { DynamoDbSendIdempotencyStore } from './DynamoDbSendIdempotencyStore.js';
import { DynamoDbSuppressionStore } from './DynamoDbSuppressionStore.js';
import { DynamoDbVelocityCounter } from './DynamoDbVelocityCounter.js';
import { FleetStatusReader } from './FleetStatusReader.js';
import type { MessageStore } from './MessageStore.js';
import { createApiRuntime } from './observability.js';
import type { SendQueue } from './SendQueue.js';
import { SqsSendQueue } from './SqsSendQueue.js';
import type { SuppressionStore } from './SuppressionStore.js';
import type { VelocityCounter } from './VelocityCounter.js';

/**
 * SDK calls are bounded well inside API Gateway's 29 s: a hung connection is abandoned and retried (the
 * SDK's default 3 attempts) rather than holding the request until the gateway gives up.
 */
const sdkTimeouts = { connectionTimeout: 1_000, requestTimeout: 5_000 } as const;

export class ApiResources {
  readonly env: Env;
  readonly #made = new Map<string, unknown>();

  constructor(env: Env) {
    this.env = env;
  }

  #once<T>(name: string, make: () => T): T {
    if (!this.#made.has(name)) this.#made.set(name, make());
    return this.#made.get(name) as T;
  }

  get runtime(): ApiRuntime {
    return this.#once('runtime', () => createApiRuntime(this.env));
  }

  get dynamodb(): DynamoDBClient {
    return this.#once(
      'dynamodb',
      () => new DynamoDBClient({ ...readAwsClientSettings(this.env), requestHandler: sdkTimeouts }),
    );
  }

  get sqs(): SQSClient {
    return this.#once(
      'sqs',
      () => new SQSClient({ ...readAwsClientSettings(this.env), requestHandler: sdkTimeouts }),
    );
  }

  get subAccounts(): ReadonlyMap<string, SubAccountRoute> {
    return this.#once('subAccounts', () => readSubAccountRoutes(this.env));
  }

  get publicBaseUrl(): string | undefined {
    return this.#once('publicBaseUrl', () => readPublicBaseUrl(this.env));
  }

  get messageStore(): MessageStore {
    return this.#once('messageStore', () => {
      const logger = this.runtime.logger;
      return new DynamoDbMessageStore({
        client: DynamoDBDocumentClient.from(this.dynamodb, {
          marshallOptions: { removeUndefinedValues: true },
        }),
        tableName: readMessagesTable(this.env),
        onCleanupError: (messageId, error) =>
          logger.warn({ message: 'could not delete an unqueued record', messageId }, error as Error),
      });
    });
  }

  /** Which sub-accounts keep a suppression list. */
  get suppressionSubAccounts(): ReadonlyMap<string, { readonly keepsSuppressionList: boolean }> {
    return this.#once('suppressionSubAccounts', () => readSuppressionSubAccounts(this.env));
  }

  /** The sub-accounts' suppression lists, in the messages table. */
  get suppressionStore(): SuppressionStore {
    return this.#once(
      'suppressionStore',
      () =>
        new DynamoDbSuppressionStore({
          client: DynamoDBDocumentClient.from(this.dynamodb),
          tableName: readMessagesTable(this.env),
        }),
    );
  }

  /** The velocity counters, in their own table. */
  get velocityCounter(): VelocityCounter {
    return this.#once(
      'velocityCounter',
      () =>
        new DynamoDbVelocityCounter({
          client: DynamoDBDocumentClient.from(this.dynamodb),
          tableName: readVelocityTable(this.env),
        }),
    );
  }

  get sendQueue(): SendQueue {
    return this.#once('sendQueue', () => {
      const subAccountByUrl = new Map([...this.subAccounts].map(([id, route]) => [route.queueUrl, id]));
      return new SqsSendQueue(this.sqs, (url) => subAccountByUrl.get(url) ?? url);
    });
  }

  get idempotencyStore(): DynamoDbSendIdempotencyStore {
    return this.#once(
      'idempotencyStore',
      () =>
        new DynamoDbSendIdempotencyStore({
          client: this.dynamodb,
          tableName: readIdempotencyTable(this.env),
        }),
    );
  }

  /** GET /status.json's reads: leases, the latest messages by the acceptance-time index, queue depths. */
  get fleetStatusReader(): FleetStatusReader {
    return this.#once(
      'fleetStatusReader',
      () =>
        new FleetStatusReader({
          dynamo: DynamoDBDocumentClient.from(this.dynamodb),
          sqs: this.sqs,
          tables: { leases: readLeasesTable(this.env), messages: readMessagesTable(this.env) },
          subAccounts: readStatusSubAccounts(this.env),
        }),
    );
  }

  /** Closes the SDK clients' sockets (local server shutdown); Lambda never calls it. */
  destroy(): void {
    for (const name of ['dynamodb', 'sqs']) {
      const client = this.#made.get(name) as { destroy(): void } | undefined;
      client?.destroy();
    }
  }
}
