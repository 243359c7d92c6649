/**
 * A one-sub-account worker assembled from the sending, receipt and record pieces, against the AWS emulator
 * and the 8x8 simulator (real SmppBinds over sockets), the way worker/main.ts wires them: one store, one
 * publisher, one outbox; per sub-account a BindPool, a MessageSender, an SqsSendConsumer and a
 * ReceiptRecorder whose onDeliverSm every bind calls. Plus what the tests need to look at the result.
 *
 * The whole fleet as separate processes is test/e2e/fleetHarness.ts; the two share test/support (bounded
 * waits, sending into the queue, reading records).
 */
import { randomUUID } from 'node:crypto';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { apiEnv } from '../../../core/apiEnv.js';
import { type FleetConfig, parseFleetConfig } from '../../../core/fleetConfig.js';
import type { WorkerLog } from '../../../core/log.js';
import type { MessageRecord } from '../../../core/messageRecord.js';
import { isFinalState, type MessageState } from '../../../core/messageState.js';
import { emulatorCredentials } from '../../../local/aws/AwsEmulator.js';
import { createFleetResources, type FleetResources } from '../../../local/aws/createFleetResources.js';
import { type RecordStream, startRecordStream } from '../../../local/recordStream/startRecordStream.js';
import { SmscSimulator, type SmscSimulatorOptions } from '../../../local/smsc-simulator/SmscSimulator.js';
import { DynamoDbSuppressionList } from '../../../worker/guardrails/DynamoDbSuppressionList.js';
import { DynamoDbVelocityCounter } from '../../../worker/guardrails/DynamoDbVelocityCounter.js';
import { ReceiptRecorder } from '../../../worker/receipts/ReceiptRecorder.js';
import { DynamoDbMessageStore } from '../../../worker/records/DynamoDbMessageStore.js';
import { BindPool } from '../../../worker/sending/BindPool.js';
import { MessageSender, type MessageSenderOptions } from '../../../worker/sending/MessageSender.js';
import { SqsSendConsumer } from '../../../worker/sending/SqsSendConsumer.js';
import { SmppBind, type SmppBindOptions } from '../../../worker/smpp/SmppBind.js';
import { scanMessageRecords } from '../../support/messageRecords.js';
import { pollUntil } from '../../support/poll.js';
import { sendToQueue } from '../../support/sendQueue.js';
import type { EmulatorFixture } from '../aws/emulatorFixture.js';

export const subAccount = 'acme';
const password = 'secret12';

export interface HarnessOptions {
  prefix: string;
  binds?: number;
  simulator?: Partial<SmscSimulatorOptions>;
  sender?: Partial<MessageSenderOptions>;
  bind?: Partial<SmppBindOptions>;
  unmatchedGraceMs?: number;
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  /** More of the sub-account's fleet config (guardrails, …). */
  account?: Record<string, unknown>;
}

export interface WorkerHarness {
  config: FleetConfig;
  resources: FleetResources;
  queueUrl: string;
  sim: SmscSimulator;
  store: DynamoDbMessageStore;
  recordStream: RecordStream;
  pool: BindPool;
  sender: MessageSender;
  consumer: SqsSendConsumer;
  recorder: ReceiptRecorder;
  binds: SmppBind[];
  /** Puts bodies straight into the send queue (batches of 10); returns each one's expected message id. */
  send(bodies: readonly unknown[]): Promise<string[]>;
  /** Polls the messages table until every id has a record satisfying `done` (default: final). */
  waitForRecords(
    ids: readonly string[],
    done?: (record: MessageRecord) => boolean,
    timeoutMs?: number,
  ): Promise<Map<string, MessageRecord>>;
  /** Receives from the example subscriber queue until `count` events arrived, then once more to catch extras. */
  receiveEvents(count: number, timeoutMs?: number): Promise<SubscriberEvent[]>;
  /** AWS SDK calls made so far by command name (every client of the fixture), and resets the count. */
  takeAwsCalls(): Record<string, number>;
  /** The same for calls naming one table, by `<command> <table>` (e.g. `GetItemCommand acme-messages`). */
  takeTableCalls(): Record<string, number>;
  /** Polls the simulator until no receipt waits for an answer. */
  waitForReceiptsAnswered(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface SubscriberEvent {
  id: string;
  detailType: string;
  detail: Record<string, unknown>;
}

export async function startWorkerHarness(
  aws: EmulatorFixture,
  options: HarnessOptions,
): Promise<WorkerHarness> {
  const config = parseFleetConfig({
    subAccounts: [
      {
        id: subAccount,
        password: { env: 'ACME_PASSWORD' },
        host: '127.0.0.1',
        tls: false,
        port: 1,
        ...options.account,
      },
    ],
  });
  const account = config.subAccounts[0];
  if (account === undefined) throw new Error('no sub-account');
  const resources = await createFleetResources(aws, config, {
    prefix: options.prefix,
    ...(options.maxReceiveCount === undefined ? {} : { maxReceiveCount: options.maxReceiveCount }),
    ...(options.visibilityTimeoutSeconds === undefined
      ? {}
      : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
  });
  const queueUrl = resources.sendQueues[subAccount]?.queueUrl ?? '';

  const sim = new SmscSimulator({
    accounts: [{ systemId: subAccount, password }],
    receiptDelayMs: 20,
    // 8x8 waits minutes; half a second would make the emulator's slowness snowball into redeliveries.
    receiptRedeliveryMs: 5_000,
    ...options.simulator,
  });
  const { port } = await sim.start();

  const logger = consoleLog();
  const store = new DynamoDbMessageStore({
    client: aws.documentClient,
    tables: { messages: resources.tables.messages, correlation: resources.tables.correlation },
  });
  // The events: the records-stream consumer over the emulator's stream, as npm start runs it.
  const recordStream = await startRecordStream({
    streamArn: resources.recordStream.streamArn,
    env: {
      ...resources.env,
      [apiEnv.awsEndpointUrl]: aws.emulator.endpoint,
      [apiEnv.awsRegion]: 'us-east-1',
      [apiEnv.awsAccessKeyId]: emulatorCredentials.accessKeyId,
      [apiEnv.awsSecretAccessKey]: emulatorCredentials.secretAccessKey,
      [apiEnv.logLevel]: 'WARN',
    },
  });
  const suppressions = new DynamoDbSuppressionList({
    client: aws.documentClient,
    tableName: resources.tables.messages,
  });
  const velocity = new DynamoDbVelocityCounter({
    client: aws.documentClient,
    tableName: resources.tables.velocity,
  });
  const pool = new BindPool({ subAccount });
  const sender = new MessageSender({
    subAccount: account,
    store,
    suppressions,
    velocity,
    pool,
    workerId: `test-worker-${randomUUID().slice(0, 8)}`,
    inDoubtPolicy: config.inDoubtPolicy,
    logger,
    ...(options.maxReceiveCount === undefined ? {} : { maxReceiveCount: options.maxReceiveCount }),
    ...options.sender,
  });
  const recorder = new ReceiptRecorder({
    subAccount,
    receiptIdFormat: account.receiptIdFormat,
    store,
    ...(account.optOuts === undefined
      ? {}
      : { optOuts: { stopKeywords: account.optOuts.stopKeywords, list: suppressions } }),
    unmatchedGraceMs: options.unmatchedGraceMs ?? 120_000,
    logger,
  });
  const binds = Array.from(
    { length: options.binds ?? 2 },
    (_, index) =>
      new SmppBind({
        name: `${subAccount}#${index}`,
        endpoint: { host: '127.0.0.1', port, tls: false },
        credentials: { systemId: subAccount, password },
        bindMode: 'transceiver',
        window: account.window,
        submitsPerSecond: account.submitsPerSecond,
        reconnectInitialMs: 50,
        reconnectMaxMs: 500,
        requestTimeoutMs: 2_000,
        drainTimeoutMs: 2_000,
        onDeliverSm: recorder.onDeliverSm,
        ...options.bind,
      }),
  );
  const consumer = new SqsSendConsumer({
    sqs: aws.sqs,
    queueUrl,
    ...(options.visibilityTimeoutSeconds === undefined
      ? {}
      : {
          visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
          heartbeatIntervalSeconds: Math.max(1, Math.floor(options.visibilityTimeoutSeconds / 3)),
        }),
    waitTimeSeconds: 1,
    handleMessage: (message, signal) => sender.handle(message, signal),
    // About a second of what the bound binds can send.
    maxInFlight: () => pool.capacityPerSecond(),
    logger,
  });
  pool.on('change', () => consumer.wake());

  const bound = Promise.all(
    binds.map(
      (bind) =>
        new Promise<void>((resolve) => {
          const onStatus = (change: { to: string }) => {
            if (change.to !== 'bound') return;
            bind.off('status', onStatus);
            resolve();
          };
          bind.on('status', onStatus);
        }),
    ),
  );
  for (const bind of binds) {
    pool.add(bind);
    bind.start();
  }
  await bound;
  consumer.start();

  const subscriberUrl = resources.subscriber?.queueUrl ?? '';
  let awsCalls = new Map<string, number>();
  let tableCalls = new Map<string, number>();
  // The SDK's middleware types are generic per client; this counter only needs the command name.
  type Counting = {
    middlewareStack: {
      add(
        middleware: (
          next: (args: unknown) => Promise<unknown>,
          context: { commandName?: string },
        ) => (args: unknown) => Promise<unknown>,
        options: { step: 'initialize'; name: string },
      ): void;
    };
  };
  for (const client of [aws.dynamodb, aws.sqs, aws.eventBridge] as unknown as Counting[]) {
    client.middlewareStack.add(
      (next, context) => (args) => {
        const name = context.commandName ?? '?';
        awsCalls.set(name, (awsCalls.get(name) ?? 0) + 1);
        const table = (args as { input?: { TableName?: unknown } }).input?.TableName;
        if (typeof table === 'string') {
          const key = `${name} ${table}`;
          tableCalls.set(key, (tableCalls.get(key) ?? 0) + 1);
        }
        return next(args);
      },
      { step: 'initialize', name: `countCalls-${options.prefix}` },
    );
  }
  const harness: WorkerHarness = {
    config,
    resources,
    queueUrl,
    sim,
    store,
    recordStream,
    pool,
    sender,
    consumer,
    recorder,
    binds,
    send: (bodies) =>
      sendToQueue(aws.sqs, queueUrl, bodies as ReadonlyArray<Record<string, unknown> | string>, {
        subAccount,
        // The tests mark a request they mean to be invalid with `to: 'invalid'`: it keeps the SQS id.
        isValid: (body) => typeof body !== 'object' || body.to !== 'invalid',
      }),
    async waitForRecords(ids, done = (record) => isFinalState(record.status), timeoutMs = 90_000) {
      const wanted = [...new Set(ids)];
      let found = new Map<string, MessageRecord>();
      const missing = () =>
        wanted.filter((id) => {
          const record = found.get(id);
          return record === undefined || !done(record);
        });
      await pollUntil(
        `${wanted.length} records`,
        async () => {
          found = await scanMessageRecords(aws.documentClient, resources.tables.messages);
          return missing().length === 0;
        },
        {
          timeoutMs,
          intervalMs: 300,
          describe: () =>
            `${missing().length} not there yet: ${missing()
              .slice(0, 5)
              .map((id) => `${id}: ${found.get(id)?.status ?? 'no record'}`)
              .join(', ')}`,
        },
      );
      return found;
    },
    async receiveEvents(count, timeoutMs = 60_000) {
      const events: SubscriberEvent[] = [];
      const deadline = Date.now() + timeoutMs;
      const receive = async (wait: number) => {
        const result = await aws.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: subscriberUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: wait,
          }),
        );
        const messages = result.Messages ?? [];
        events.push(...messages.map(toSubscriberEvent));
        // Deleted as a subscriber does, so a slow run never sees one again when its visibility runs out.
        if (messages.length > 0) {
          await aws.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: subscriberUrl,
              Entries: messages.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
        return messages.length;
      };
      while (events.length < count && Date.now() < deadline) await receive(1);
      // Anything else published by now shows up too: duplicates must not hide behind the count.
      while ((await receive(1)) > 0) {}
      return events;
    },
    takeAwsCalls() {
      const taken = Object.fromEntries(awsCalls);
      awsCalls = new Map();
      tableCalls = new Map();
      return taken;
    },
    takeTableCalls() {
      const taken = Object.fromEntries(tableCalls);
      awsCalls = new Map();
      tableCalls = new Map();
      return taken;
    },
    async waitForReceiptsAnswered(timeoutMs = 60_000) {
      const receipts = () => sim.stats().accounts[subAccount]?.receipts;
      await pollUntil('every receipt answered', () => receipts()?.outstanding === 0, {
        timeoutMs,
        intervalMs: 100,
        describe: () => `still unanswered: ${JSON.stringify(receipts())}`,
      });
    },
    async stop() {
      await consumer.stop();
      await Promise.all(binds.map((bind) => bind.stop()));
      await recorder.stop();
      await sender.idle();
      await recordStream.stop();
      for (const bind of binds) pool.remove(bind);
      await sim.stop();
    },
  };
  return harness;
}

function toSubscriberEvent(message: Message): SubscriberEvent {
  const envelope = JSON.parse(message.Body ?? '{}') as {
    id: string;
    'detail-type': string;
    detail: Record<string, unknown>;
  };
  return { id: envelope.id, detailType: envelope['detail-type'], detail: envelope.detail };
}

export function finalStatesOf(records: Map<string, MessageRecord>, ids: readonly string[]): MessageState[] {
  return ids.map((id) => records.get(id)?.status ?? 'accepted');
}

/** Warnings and errors to stderr (so a failing test shows why); debug and info with FLEET_DEBUG=1. */
function consoleLog(): WorkerLog {
  const verbose = process.env.FLEET_DEBUG === '1';
  const write = (level: string) => (message: string, attributes?: Record<string, unknown>) =>
    console.error(`[${level}] ${message}${attributes ? ` ${JSON.stringify(attributes)}` : ''}`);
  return {
    debug: verbose ? write('debug') : () => {},
    info: verbose ? write('info') : () => {},
    warn: write('warn'),
    error: write('error'),
  };
}
