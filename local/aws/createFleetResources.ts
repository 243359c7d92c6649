/**
 * Creates the fleet's AWS resources in the emulator, from the same definitions the CDK stack reads
 * (core/tableKeys.ts) and a parsed fleet config: the five tables (the messages table with its change
 * stream), a send queue with a DLQ per sub-account, the records-stream consumer's DLQ, the event bus, and an
 * example subscriber (a queue and a rule matching every `smpp-fleet` event), attached the way a real
 * subscriber attaches. Idempotent: running it again against the same emulator changes nothing.
 *
 * Local use only: in AWS the stack creates these.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  type EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { apiEnv } from '../../core/apiEnv.js';
import { eventSource } from '../../core/events.js';
import type { FleetConfig } from '../../core/fleetConfig.js';
import {
  deadLetterQueueNameFor,
  defaultResourcePrefix,
  eventBusNameFor,
  queueNameFor,
  queueSettings,
  recordEventsDeadLetterQueueNameFor,
  type TableDefinition,
  type TableId,
  tableDefinitions,
  tableIds,
  tableName,
  workerEnv,
} from '../../core/tableKeys.js';

export interface FleetAwsClients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  eventBridge: EventBridgeClient;
  /** Needed only to store `passwords`. */
  secretsManager?: SecretsManagerClient;
}

export interface CreateFleetResourcesOptions {
  /** Prefix of every name; give each test its own to keep them apart in one emulator. @default 'smpp-fleet' */
  prefix?: string;
  /** @default queueSettings.maxReceiveCount (5) */
  maxReceiveCount?: number;
  /** @default the fleet config's visibilityTimeoutSeconds */
  visibilityTimeoutSeconds?: number;
  /** Create the example subscriber queue and rule. @default true */
  subscriber?: boolean;
  /**
   * SMPP passwords by sub-account id, stored in Secrets Manager under the `secretId` of every sub-account
   * whose password comes from there (the way an operator stores them in AWS).
   */
  passwords?: Readonly<Record<string, string>>;
}

export interface SendQueueResources {
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
}

/** What the records-stream consumer reads and where its failures go (infra/constructs/RecordEvents.ts). */
export interface RecordStreamResources {
  /** The messages table's stream (the emulator's DescribeTable `LatestStreamArn`). */
  streamArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
}

export interface FleetResources {
  prefix: string;
  tables: Record<TableId, string>;
  recordStream: RecordStreamResources;
  /** By sub-account id. */
  sendQueues: Record<string, SendQueueResources>;
  eventBus: { name: string; arn: string };
  /** The example subscriber: every event on the bus lands in this queue, in EventBridge's envelope. */
  subscriber?: { queueUrl: string; queueArn: string; ruleName: string; ruleArn: string };
  /** The worker's environment for these resources (all of workerEnv but FLEET_CONFIG, WORKER_ID and AWS_*). */
  env: Record<string, string>;
}

export async function createFleetResources(
  clients: FleetAwsClients,
  config: FleetConfig,
  options: CreateFleetResourcesOptions = {},
): Promise<FleetResources> {
  const prefix = options.prefix ?? defaultResourcePrefix;
  const [{ tables, streamArns }, sendQueues, recordEventsDeadLetters, eventBus] = await Promise.all([
    createTables(clients.dynamodb, prefix),
    createSendQueues(clients.sqs, config, prefix, options),
    createQueue(clients.sqs, recordEventsDeadLetterQueueNameFor(prefix), {
      MessageRetentionPeriod: String(queueSettings.deadLetterRetentionSeconds),
    }),
    createEventBus(clients.eventBridge, eventBusNameFor(prefix)),
    storePasswords(clients.secretsManager, config, options.passwords),
  ]);
  const subscriber =
    options.subscriber === false
      ? undefined
      : await attachExampleSubscriber(clients.sqs, clients.eventBridge, eventBus.name, prefix);
  const env: Record<string, string> = {
    [workerEnv.messagesTable]: tables.messages,
    [workerEnv.correlationTable]: tables.correlation,
    [workerEnv.idempotencyTable]: tables.idempotency,
    [workerEnv.leasesTable]: tables.leases,
    [workerEnv.velocityTable]: tables.velocity,
    [apiEnv.eventBusName]: eventBus.name,
    [workerEnv.sendQueueUrls]: JSON.stringify(
      Object.fromEntries(Object.entries(sendQueues).map(([id, queues]) => [id, queues.queueUrl])),
    ),
  };
  const recordStream: RecordStreamResources = {
    streamArn: required(streamArns.messages, `the ${tables.messages} table's stream ARN`),
    deadLetterQueueUrl: recordEventsDeadLetters.url,
    deadLetterQueueArn: recordEventsDeadLetters.arn,
  };
  return {
    prefix,
    tables,
    recordStream,
    sendQueues,
    eventBus,
    ...(subscriber === undefined ? {} : { subscriber }),
    env,
  };
}

async function createTables(
  dynamodb: DynamoDBClient,
  prefix: string,
): Promise<{ tables: Record<TableId, string>; streamArns: Partial<Record<TableId, string>> }> {
  const entries = await Promise.all(
    tableIds.map(async (id) => {
      const name = tableName(id, prefix);
      const streamArn = await createTable(dynamodb, name, tableDefinitions[id]);
      return { id, name, streamArn };
    }),
  );
  return {
    tables: Object.fromEntries(entries.map(({ id, name }) => [id, name])) as Record<TableId, string>,
    streamArns: Object.fromEntries(
      entries.flatMap(({ id, streamArn }) => (streamArn === undefined ? [] : [[id, streamArn]])),
    ),
  };
}

/** Creates the table (or finds it there already); answers its stream's ARN if the definition has one. */
async function createTable(
  dynamodb: DynamoDBClient,
  name: string,
  definition: TableDefinition,
): Promise<string | undefined> {
  const keyAttributes = [
    definition.partitionKey,
    definition.sortKey,
    ...definition.globalSecondaryIndexes.flatMap((index) => [
      index.partitionKey,
      ...(index.sortKey ? [index.sortKey] : []),
    ]),
  ];
  const attributeDefinitions = [...new Map(keyAttributes.map((key) => [key.name, key])).values()];
  let streamArn: string | undefined;
  try {
    const created = await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions.map((key) => ({
          AttributeName: key.name,
          AttributeType: key.type,
        })),
        KeySchema: [
          { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
        ],
        ...(definition.globalSecondaryIndexes.length === 0
          ? {}
          : {
              GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
                IndexName: index.indexName,
                KeySchema: [
                  { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
                  ...(index.sortKey
                    ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }]
                    : []),
                ],
                Projection: { ProjectionType: index.projection },
              })),
            }),
        ...(definition.stream === undefined
          ? {}
          : { StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream } }),
      }),
    );
    streamArn = created.TableDescription?.LatestStreamArn;
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
    return definition.stream === undefined ? undefined : existingStreamArn(dynamodb, name, definition);
  }
  if (definition.timeToLiveAttribute !== undefined) {
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
      }),
    );
  }
  return definition.stream === undefined
    ? undefined
    : required(streamArn, `CreateTable ${name}: LatestStreamArn`);
}

/** The stream of a table that was there already: refused if it does not have the one core defines. */
async function existingStreamArn(
  dynamodb: DynamoDBClient,
  name: string,
  definition: TableDefinition,
): Promise<string> {
  const { Table: table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
  const specification = table?.StreamSpecification;
  if (specification?.StreamEnabled !== true || specification.StreamViewType !== definition.stream) {
    throw new Error(
      `table ${name} exists without the ${definition.stream} stream core/tableKeys.ts defines ` +
        `(it has ${JSON.stringify(specification ?? null)}): start a fresh emulator or use another prefix`,
    );
  }
  return required(table?.LatestStreamArn, `DescribeTable ${name}: LatestStreamArn`);
}

async function createSendQueues(
  sqs: SQSClient,
  config: FleetConfig,
  prefix: string,
  options: CreateFleetResourcesOptions,
): Promise<Record<string, SendQueueResources>> {
  const entries = await Promise.all(
    config.subAccounts.map(async (account) => {
      const deadLetter = await createQueue(sqs, deadLetterQueueNameFor(account.id, prefix), {
        MessageRetentionPeriod: String(queueSettings.deadLetterRetentionSeconds),
      });
      const queue = await createQueue(sqs, queueNameFor(account.id, prefix), {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? config.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(queueSettings.messageRetentionSeconds),
        ReceiveMessageWaitTimeSeconds: String(queueSettings.receiveWaitTimeSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: deadLetter.arn,
          maxReceiveCount: options.maxReceiveCount ?? queueSettings.maxReceiveCount,
        }),
      });
      const resources: SendQueueResources = {
        queueUrl: queue.url,
        queueArn: queue.arn,
        deadLetterQueueUrl: deadLetter.url,
        deadLetterQueueArn: deadLetter.arn,
      };
      return [account.id, resources] as const;
    }),
  );
  return Object.fromEntries(entries);
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = required(created.QueueUrl, `CreateQueue ${name}: QueueUrl`);
  // CreateQueue leaves an existing queue's attributes as they were (or fails if they differ): set them.
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  const described = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { url, arn: required(described.Attributes?.QueueArn, `GetQueueAttributes ${name}: QueueArn`) };
}

async function createEventBus(
  eventBridge: EventBridgeClient,
  name: string,
): Promise<{ name: string; arn: string }> {
  try {
    const created = await eventBridge.send(new CreateEventBusCommand({ Name: name }));
    return { name, arn: required(created.EventBusArn, `CreateEventBus ${name}: EventBusArn`) };
  } catch (error) {
    if (errorName(error) !== 'ResourceAlreadyExistsException') throw error;
    const described = await eventBridge.send(new DescribeEventBusCommand({ Name: name }));
    return { name, arn: required(described.Arn, `DescribeEventBus ${name}: Arn`) };
  }
}

async function attachExampleSubscriber(
  sqs: SQSClient,
  eventBridge: EventBridgeClient,
  eventBusName: string,
  prefix: string,
): Promise<NonNullable<FleetResources['subscriber']>> {
  const queue = await createQueue(sqs, `${prefix}-example-subscriber`, {});
  const ruleName = `${prefix}-all-events-to-example-subscriber`;
  const rule = await eventBridge.send(
    new PutRuleCommand({
      Name: ruleName,
      EventBusName: eventBusName,
      EventPattern: JSON.stringify({ source: [eventSource] }),
      State: 'ENABLED',
      Description: 'Every smpp-fleet event to the example subscriber queue',
    }),
  );
  const ruleArn = required(rule.RuleArn, `PutRule ${ruleName}: RuleArn`);
  // What AWS requires for EventBridge to write to the queue (moto does not check it).
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queue.url,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: queue.arn,
              Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
            },
          ],
        }),
      },
    }),
  );
  const targets = await eventBridge.send(
    new PutTargetsCommand({
      Rule: ruleName,
      EventBusName: eventBusName,
      Targets: [{ Id: 'example-subscriber', Arn: queue.arn }],
    }),
  );
  if ((targets.FailedEntryCount ?? 0) > 0) {
    throw new Error(`PutTargets ${ruleName} failed: ${JSON.stringify(targets.FailedEntries)}`);
  }
  return { queueUrl: queue.url, queueArn: queue.arn, ruleName, ruleArn };
}

async function storePasswords(
  secretsManager: SecretsManagerClient | undefined,
  config: FleetConfig,
  passwords: Readonly<Record<string, string>> | undefined,
): Promise<void> {
  if (passwords === undefined) return;
  if (secretsManager === undefined)
    throw new Error('createFleetResources: passwords need a secretsManager client');
  for (const account of config.subAccounts) {
    const password = passwords[account.id];
    if (password === undefined || !('secretId' in account.password)) continue;
    const name = account.password.secretId;
    if (name.startsWith('arn:')) {
      throw new Error(
        `createFleetResources: ${account.id}'s secretId is an ARN; locally give a secret name to create`,
      );
    }
    try {
      await secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: password }));
    } catch (error) {
      if (errorName(error) !== 'ResourceExistsException') throw error;
      await secretsManager.send(new PutSecretValueCommand({ SecretId: name, SecretString: password }));
    }
  }
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} missing from the emulator's answer`);
  return value;
}
