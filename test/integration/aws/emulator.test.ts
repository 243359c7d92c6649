/**
 * What the fleet relies on from AWS, checked against the emulator through the real SDK clients: if one of
 * these fails after a moto or SDK upgrade, the fleet's own integration tests would fail for reasons that
 * have nothing to do with the fleet.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { detailTypes, eventSource, messageEventId, toEventEntry } from '../../../core/events.js';
import { type FleetConfig, parseFleetConfig } from '../../../core/fleetConfig.js';
import {
  idempotencyKey,
  leaseKey,
  messageKey,
  queueSettings,
  recordEventsDeadLetterQueueNameFor,
  tableDefinitions,
} from '../../../core/tableKeys.js';
import { clientConfig } from '../../../local/aws/AwsEmulator.js';
import { createFleetResources, type FleetResources } from '../../../local/aws/createFleetResources.js';
import { useAwsEmulator } from './emulatorFixture.js';

const aws = useAwsEmulator();

const config: FleetConfig = parseFleetConfig({
  subAccounts: [
    { id: 'acme_hq', password: { secretId: 'smpp/acme_hq' } },
    { id: 'acme_mkt', password: { env: 'ACME_MKT_PASSWORD' }, bindCap: 2 },
  ],
});

let resources: FleetResources;

beforeAll(async () => {
  const { dynamodb, sqs, eventBridge, secretsManager } = aws();
  resources = await createFleetResources({ dynamodb, sqs, eventBridge, secretsManager }, config, {
    prefix: 'emu',
    maxReceiveCount: 2,
    passwords: { acme_hq: 'pw-from-secrets-manager' },
  });
});

async function receiveUntil(queueUrl: string, expected: number, timeoutMs = 20_000): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (messages.length < expected && Date.now() < deadline) {
    const received = await aws().sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        MessageAttributeNames: ['All'],
      }),
    );
    messages.push(...(received.Messages ?? []));
  }
  return messages;
}

/** Receives once more after the expected messages: proof that nothing else arrived. */
async function receiveRest(queueUrl: string): Promise<Message[]> {
  const received = await aws().sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return received.Messages ?? [];
}

describe('the emulator process', () => {
  it('starts quickly once installed', () => {
    // Not a timing assertion: printed so a slow machine shows up in the log.
    console.info(`AWS emulator answered ${aws().startedInMs.toFixed(0)} ms after start was called`);
    expect(aws().emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('exits with the process that started it, even when that process is killed', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'startEmulatorAndWait.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const emulatorPid = await new Promise<number>((resolvePid, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const match = /emulator pid (\d+)/.exec(out);
        if (match?.[1] !== undefined) resolvePid(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`helper exited early (${code})`)));
    });
    expect(isRunning(emulatorPid)).toBe(true);
    child.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (isRunning(emulatorPid) && Date.now() < deadline)
      await new Promise((wake) => setTimeout(wake, 100));
    expect(isRunning(emulatorPid)).toBe(false);
  });
});

describe('createFleetResources', () => {
  it('creates the tables from core’s definitions, TTL on all but the leases table', async () => {
    const { dynamodb } = aws();
    for (const [id, name] of Object.entries(resources.tables) as [keyof typeof tableDefinitions, string][]) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }));
      const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
      if ('timeToLiveAttribute' in tableDefinitions[id]) expect(status, name).toBe('ENABLED');
      else expect(status, name).not.toBe('ENABLED');
    }
  });

  it('gives the messages table its stream with both images, and hands back the stream’s ARN', async () => {
    const { dynamodb } = aws();
    for (const [id, name] of Object.entries(resources.tables) as [keyof typeof tableDefinitions, string][]) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
      const stream = 'stream' in tableDefinitions[id] ? tableDefinitions[id].stream : undefined;
      if (stream === undefined) expect(Table?.StreamSpecification?.StreamEnabled ?? false, name).toBe(false);
      else {
        expect(Table?.StreamSpecification, name).toEqual({ StreamEnabled: true, StreamViewType: stream });
        expect(Table?.LatestStreamArn, name).toBe(resources.recordStream.streamArn);
      }
    }
    // The form the IAM contract reads (test/support/iamContract.ts): the table's ARN, /stream/, a label.
    expect(resources.recordStream.streamArn).toMatch(
      /^arn:aws:dynamodb:us-east-1:123456789012:table\/emu-messages\/stream\/[^/]+$/,
    );
  });

  it('makes the records-stream consumer’s DLQ, named by core, keeping messages 14 days', async () => {
    const { deadLetterQueueUrl, deadLetterQueueArn } = resources.recordStream;
    expect(deadLetterQueueArn.endsWith(`:${recordEventsDeadLetterQueueNameFor('emu')}`)).toBe(true);
    const { Attributes } = await aws().sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: deadLetterQueueUrl,
        AttributeNames: ['MessageRetentionPeriod'],
      }),
    );
    expect(Attributes?.MessageRetentionPeriod).toBe(String(queueSettings.deadLetterRetentionSeconds));
  });

  it('gives every sub-account a queue that redrives to its DLQ', async () => {
    expect(Object.keys(resources.sendQueues).sort()).toEqual(['acme_hq', 'acme_mkt']);
    const queues = resources.sendQueues.acme_hq!;
    const { Attributes } = await aws().sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: queues.deadLetterQueueArn,
      maxReceiveCount: 2,
    });
  });

  it('stores Secrets Manager passwords where the config points', async () => {
    const secret = await aws().secretsManager.send(new GetSecretValueCommand({ SecretId: 'smpp/acme_hq' }));
    expect(secret.SecretString).toBe('pw-from-secrets-manager');
  });

  it('hands the worker its environment', () => {
    expect(resources.env).toMatchObject({
      MESSAGES_TABLE: 'emu-messages',
      LEASES_TABLE: 'emu-bind-leases',
      EVENT_BUS_NAME: 'emu-events',
    });
    expect(JSON.parse(resources.env.SEND_QUEUE_URLS ?? '{}')).toEqual({
      acme_hq: resources.sendQueues.acme_hq?.queueUrl,
      acme_mkt: resources.sendQueues.acme_mkt?.queueUrl,
    });
  });

  it('changes nothing when run again', async () => {
    const { dynamodb, sqs, eventBridge } = aws();
    const again = await createFleetResources({ dynamodb, sqs, eventBridge }, config, {
      prefix: 'emu',
      maxReceiveCount: 2,
    });
    expect(again.sendQueues).toEqual(resources.sendQueues);
    expect(again.recordStream).toEqual(resources.recordStream);
    expect(again.eventBus).toEqual(resources.eventBus);
    expect(again.subscriber).toEqual(resources.subscriber);
  });
});

describe('SQS', () => {
  it('speaks the JSON protocol of the pinned client: batches, message attributes, receive counts', async () => {
    const { sqs } = aws();
    const protocols = new Set<string>();
    sqs.middlewareStack.add(
      (next) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        protocols.add(`${headers['content-type']} ${headers['x-amz-target']}`);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordProtocol' },
    );
    try {
      const queueUrl = resources.sendQueues.acme_mkt!.queueUrl;
      const sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({
            Id: `m${i}`,
            MessageBody: JSON.stringify({
              subAccount: 'acme_mkt',
              to: '+6591234567',
              from: 'ACME',
              text: `n${i}`,
            }),
            MessageAttributes: { traceId: { DataType: 'String', StringValue: `t${i}` } },
          })),
        }),
      );
      expect(sent.Successful).toHaveLength(10);
      expect(sent.Failed ?? []).toEqual([]);

      const received = await receiveUntil(queueUrl, 10);
      expect(received).toHaveLength(10);
      expect(received.map((m) => JSON.parse(m.Body ?? '{}').text).sort()).toEqual(
        Array.from({ length: 10 }, (_, i) => `n${i}`).sort(),
      );
      for (const message of received) {
        expect(message.Attributes?.ApproximateReceiveCount).toBe('1');
        expect(message.MessageAttributes?.traceId?.StringValue).toBe(
          `t${JSON.parse(message.Body ?? '{}').text.slice(1)}`,
        );
      }
      // Hand them back at once, as a worker does on shutdown.
      const changed = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: received.map((m, i) => ({
            Id: `c${i}`,
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
      expect(changed.Failed ?? []).toEqual([]);
      const again = await receiveUntil(queueUrl, 10);
      expect(again.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(Array(10).fill('2'));
    } finally {
      sqs.middlewareStack.remove('recordProtocol');
    }
    expect([...protocols].every((p) => p.startsWith('application/x-amz-json-1.0 AmazonSQS.'))).toBe(true);
    expect(protocols).toContain('application/x-amz-json-1.0 AmazonSQS.SendMessageBatch');
  });

  it('keeps up with a backlog of 1,000 messages (moto’s per-message queue scans are patched out)', async () => {
    const { sqs } = aws();
    const { queueUrl } = await createFleetResources(
      aws(),
      parseFleetConfig({ subAccounts: [{ id: 'backlog', password: { env: 'P' } }] }),
      { prefix: 'emu-backlog', subscriber: false },
    ).then((created) => created.sendQueues.backlog!);
    const count = 1_000;
    const started = performance.now();
    for (let batch = 0; batch < count / 10; batch++) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: `${batch}-${i}` })),
        }),
      );
    }
    const sentMs = performance.now() - started;
    const received = await receiveUntil(queueUrl, count, 50_000);
    console.info(
      `SQS: ${count} sent in ${sentMs.toFixed(0)} ms, all received after ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(new Set(received.map((m) => m.Body)).size).toBe(count);
  });

  it('moves a message to the DLQ once it has been received maxReceiveCount times', async () => {
    const { sqs } = aws();
    const { queueUrl, deadLetterQueueUrl } = resources.sendQueues.acme_hq!;
    await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: 'p', MessageBody: 'poison' }] }),
    );
    for (let attempt = 1; attempt <= 2; attempt++) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      expect(received.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
        ['poison', String(attempt)],
      ]);
    }
    expect(await receiveRest(queueUrl)).toEqual([]);
    const deadLetters = await receiveUntil(deadLetterQueueUrl, 1);
    expect(deadLetters.map((m) => m.Body)).toEqual(['poison']);
  });
});

describe('DynamoDB', () => {
  const acquire = (holder: string, nowMs: number, leasePeriodMs = 15_000) =>
    aws().documentClient.send(
      new UpdateCommand({
        TableName: resources.tables.leases,
        Key: leaseKey('acme_hq', 0),
        UpdateExpression: 'SET holder = :holder, leaseExpiresAtMs = :until ADD fence :one',
        ConditionExpression: 'attribute_not_exists(pk) OR leaseExpiresAtMs < :now',
        ExpressionAttributeValues: {
          ':holder': holder,
          ':until': nowMs + leasePeriodMs,
          ':now': nowMs,
          ':one': 1,
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );

  it('grants a free lease slot with a conditional update and raises the fence on every takeover', async () => {
    const t0 = 1_764_000_000_000;
    const first = await acquire('worker-a', t0);
    expect(first.Attributes).toMatchObject({ holder: 'worker-a', fence: 1 });

    const refused = await acquire('worker-b', t0 + 1_000).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    // The current holder comes back with the refusal: no second read to learn who has the slot.
    expect((refused as ConditionalCheckFailedException).Item).toMatchObject({
      holder: { S: 'worker-a' },
      fence: { N: '1' },
    });

    const takeover = await acquire('worker-b', t0 + 16_000);
    expect(takeover.Attributes).toMatchObject({ holder: 'worker-b', fence: 2 });
  });

  it('cancels a whole transaction when one condition fails and says which one', async () => {
    const { documentClient } = aws();
    const claim = (messageId: string) =>
      documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: resources.tables.idempotency,
                Item: { ...idempotencyKey('acme_hq', 'order-42'), messageId },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName: resources.tables.messages,
                Item: { ...messageKey(messageId), state: 'accepted' },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    await claim('m-1');
    const second = await claim('m-2').catch((error: unknown) => error);
    expect(second).toBeInstanceOf(TransactionCanceledException);
    const reasons = (second as TransactionCanceledException).CancellationReasons ?? [];
    expect(reasons.map((reason) => reason.Code)).toEqual(['ConditionalCheckFailed', 'None']);
    expect(reasons[0]?.Item?.messageId).toEqual({ S: 'm-1' });
    const loser = await documentClient.send(
      new GetCommand({ TableName: resources.tables.messages, Key: messageKey('m-2') }),
    );
    expect(loser.Item).toBeUndefined();
  });
});

describe('DynamoDB Streams', () => {
  it('gives a record’s writes in order, a change with the item before and after it, through the Streams API', async () => {
    const streams = new DynamoDBStreamsClient(clientConfig(aws().emulator.endpoint));
    try {
      const key = messageKey('stream-check');
      await aws().documentClient.send(
        new PutCommand({ TableName: resources.tables.messages, Item: { ...key, status: 'accepted' } }),
      );
      await aws().documentClient.send(
        new UpdateCommand({
          TableName: resources.tables.messages,
          Key: key,
          UpdateExpression: 'SET #status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': 'submitted' },
        }),
      );
      const { streamArn } = resources.recordStream;
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      expect(StreamDescription?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
      const shardId = StreamDescription?.Shards?.[0]?.ShardId;
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      // moto's iterator starts with the stream's ARN: the IAM contract reads GetRecords' stream from it.
      expect(ShardIterator?.startsWith(`${streamArn}|`)).toBe(true);
      const { Records = [] } = await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 1_000 }));
      const ours = Records.filter((record) => record.dynamodb?.Keys?.pk?.S === key.pk);
      expect(
        ours.map((record) => [
          record.eventName,
          record.dynamodb?.OldImage?.status?.S,
          record.dynamodb?.NewImage?.status?.S,
        ]),
      ).toEqual([
        ['INSERT', undefined, 'accepted'],
        ['MODIFY', 'accepted', 'submitted'],
      ]);
      expect(ours.every((record) => record.dynamodb?.StreamViewType === 'NEW_AND_OLD_IMAGES')).toBe(true);
    } finally {
      streams.destroy();
    }
  });
});

describe('EventBridge', () => {
  const fleetEvent = (messageId: string, detailType: string): PutEventsRequestEntry => ({
    Source: eventSource,
    DetailType: detailType,
    EventBusName: resources.eventBus.name,
    Detail: JSON.stringify({ eventId: messageEventId(messageId, 'delivered'), messageId }),
  });

  it('delivers to a rule’s SQS target only the events its pattern matches, in the usual envelope', async () => {
    const { eventBridge } = aws();
    const subscriber = resources.subscriber!;
    const entries: PutEventsRequestEntry[] = [
      ...Array.from({ length: 6 }, (_, i) =>
        fleetEvent(`m${i}`, i % 2 === 0 ? detailTypes.delivered : detailTypes.submitted),
      ),
      ...Array.from({ length: 4 }, (_, i) => ({
        Source: 'someone-else',
        DetailType: detailTypes.delivered,
        EventBusName: resources.eventBus.name,
        Detail: JSON.stringify({ messageId: `x${i}` }),
      })),
    ];
    const put = await eventBridge.send(new PutEventsCommand({ Entries: entries }));
    expect(put.FailedEntryCount).toBe(0);

    const delivered = await receiveUntil(subscriber.queueUrl, 6);
    expect(await receiveRest(subscriber.queueUrl)).toEqual([]);
    const envelopes = delivered.map((m) => JSON.parse(m.Body ?? '{}'));
    expect(envelopes).toHaveLength(6);
    expect(envelopes.map((e) => e.detail.messageId).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    for (const envelope of envelopes) {
      expect(envelope).toMatchObject({
        version: '0',
        id: expect.any(String),
        source: eventSource,
        'detail-type': expect.stringMatching(/^SMS (Delivered|Submitted)$/),
        account: expect.any(String),
        time: expect.any(String),
        region: 'us-east-1',
        resources: [],
        detail: { eventId: expect.stringMatching(/^[0-9a-f]{64}$/) },
      });
    }
  });

  it('keeps up with a batch of fleet events (moto’s JSONPath fix is in place)', async () => {
    const { eventBridge } = aws();
    const subscriber = resources.subscriber!;
    const count = 200;
    const started = performance.now();
    for (let batch = 0; batch < count / 10; batch++) {
      const entries = Array.from({ length: 10 }, (_, i) =>
        toEventEntry(
          {
            detailType: detailTypes.submitted,
            detail: {
              eventId: messageEventId(`b${batch}-${i}`, 'submitted'),
              eventType: 'TEXT_SUCCESSFUL',
              isFinal: false,
              messageId: `b${batch}-${i}`,
              subAccount: 'acme_hq',
              destinationPhoneNumber: '+6591234567',
              originationIdentity: 'ACME',
              messageStatus: 'SUCCESSFUL',
              messageStatusDescription: 'Accepted by 8x8',
              context: {},
              totalMessageParts: 1,
              messageEncoding: 'GSM7',
              smscMessageIds: ['x'],
              eventTimestamp: Date.now(),
            },
          },
          resources.eventBus.name,
        ),
      );
      const put = await eventBridge.send(new PutEventsCommand({ Entries: entries }));
      expect(put.FailedEntryCount).toBe(0);
    }
    const putMs = performance.now() - started;
    const delivered = await receiveUntil(subscriber.queueUrl, count, 30_000);
    const ids = new Set(delivered.map((m) => JSON.parse(m.Body ?? '{}').detail.eventId));
    console.info(
      `${count} events published in ${putMs.toFixed(0)} ms, all received after ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(ids.size).toBe(count);
  });
});

describe('reset', () => {
  it('empties the emulator', async () => {
    await aws().emulator.reset();
    const { TableNames } = await aws().dynamodb.send(new ListTablesCommand({}));
    expect(TableNames).toEqual([]);
  });
});

/** Alive and not a zombie (a container's init may be slow to reap an orphan). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
