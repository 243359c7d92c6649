/**
 * The whole fleet on one machine for the fleet tests: the AWS emulator (started per test file), the 8x8
 * simulator in the test process, and worker processes spawned as `node --import tsx worker/main.ts`, each
 * with its own environment (core/tableKeys.ts `workerEnv`), its health endpoint on a free port, and its
 * stdout/stderr in `.tmp/fleet-logs/<run>/<worker>.log` (tails printed when a test fails; FLEET_LOG_LEVEL=DEBUG
 * in the test's environment makes the workers log more). FLEET_WORKER_NODE_FLAGS adds node flags to each
 * worker's command line, e.g. `--cpu-prof --cpu-prof-dir=.tmp/cpu`: a profile is written when the process
 * exits, so with `--cpu-prof` in them stop() asks each worker to stop (SIGTERM) before it kills it.
 *
 * No process is left behind: stop() SIGKILLs every worker still running and waits for it; a process `exit`
 * hook does the same if stop() was never reached; and each worker exits by itself when the test process
 * dies (exitWithParent.ts watches the stdin pipe).
 *
 * Two emulator processes: DynamoDB in one, SQS + EventBridge (+ Secrets Manager) in the other (the
 * workers get AWS_ENDPOINT_URL and the SDK's AWS_ENDPOINT_URL_DYNAMODB). moto serves DynamoDB one request at
 * a time, about a hundred of the fleet's calls a second here; with every service in one process, SQS and
 * EventBridge traffic queues behind DynamoDB's and lease renewals wait past their timeout. Two processes
 * spread the work over both cores. EventBridge's rule delivers to SQS inside its own process, as it must.
 *
 * The API (local/httpApi, the same handlers API Gateway runs) is served in the test process on a free port,
 * as `npm start` serves it; its one AWS endpoint is an AwsEndpointProxy that routes DynamoDB calls to the
 * DynamoDB emulator and the rest to the other. With `workersThroughProxy` the workers reach AWS through that
 * proxy too, so a test can make AWS unreachable for them (`fleet.awsProxy.goDark()`).
 *
 * Waits are bounded polls (`pollUntil`, test/support/poll.ts): they name what they waited for and fail at a
 * deadline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { apiEnv } from '../../core/apiEnv.js';
import { type FleetConfigInput, parseFleetConfig } from '../../core/fleetConfig.js';
import type { MessageRecord } from '../../core/messageRecord.js';
import { isFinalState, type MessageState } from '../../core/messageState.js';
import { queueReachMs } from '../../core/reconcileRecord.js';
import { leasePartitionKey, workerEnv } from '../../core/tableKeys.js';
import { type ReconcileSummary, reconcileRecordsHandlerFromEnv } from '../../lambdas/reconcileRecords.js';
import { apiRoutes } from '../../lambdas/routes.js';
import { emulatorCredentials, emulatorRegion } from '../../local/aws/AwsEmulator.js';
import { createFleetResources, type FleetResources } from '../../local/aws/createFleetResources.js';
import { type HttpApi, startHttpApi } from '../../local/httpApi/startHttpApi.js';
import { type RecordStream, startRecordStream } from '../../local/recordStream/startRecordStream.js';
import {
  type AccountStats,
  SmscSimulator,
  type SmscSimulatorOptions,
} from '../../local/smsc-simulator/SmscSimulator.js';
import { principalKeys } from '../support/iamContract.js';
import { readMessageRecords } from '../support/messageRecords.js';
import { countBy, pollUntil, sleep, withDeadline } from '../support/poll.js';
import { sendToQueue } from '../support/sendQueue.js';
import { type EmulatorFixture, startEmulatorFixture } from '../support/startEmulatorFixture.js';
import { workerBundle } from '../support/workerBundle.js';
import { AwsEndpointProxy } from './AwsEndpointProxy.js';
import { subAccount } from './messageMix.js';

// The waits live in test/support so the in-process harness shares them; re-exported for the fleet tests
// and the benchmarks.
export { countBy, type PollOptions, pollUntil, sleep, withDeadline } from '../support/poll.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The sub-account's SMPP password (the workers read it from their environment). */
export const smppPassword = 'fleet-pw1';
const passwordEnv = 'ACME_SMPP_PASSWORD';

export interface FleetOptions {
  /** Names the run: resource prefix and log folder. */
  name: string;
  /** Workers spawned at start. @default 2 */
  workers?: number;
  /** @default 6000 */
  leasePeriodMs?: number;
  /** @default 2000 (a third of the lease) */
  heartbeatMs?: number;
  /** The fleet config's: a killed worker's messages come back after it. @default 60 (the config's default) */
  visibilityTimeoutSeconds?: number;
  /**
   * Read the SMPP password from this Secrets Manager secret (in the emulator) instead of an environment
   * variable; the test creates and changes the secret itself. @default an environment variable
   */
  passwordSecretId?: string;
  simulator?: Partial<SmscSimulatorOptions>;
  /**
   * The workers reach AWS through `fleet.awsProxy` (one endpoint for every service) instead of straight
   * at the emulators, so a test can cut them off. @default false
   */
  workersThroughProxy?: boolean;
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when it exited. */
  at: number;
}

/** What GET /health answers (worker/FleetWorker.ts health()). */
export interface WorkerHealth {
  healthy: boolean;
  status: string;
  workerId: string;
  leases: Array<{ subAccount: string; slot: number; fence: number; state: string }>;
  binds: Array<{ name: string; status: string }>;
}

export class WorkerProcess {
  readonly exited: Promise<WorkerExit>;
  #healthUrl: Promise<string>;
  #exit: WorkerExit | undefined;

  constructor(
    readonly id: string,
    readonly child: ChildProcess,
    readonly logPath: string,
  ) {
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal, at: Date.now() };
        resolveExit(this.#exit);
      });
    });
    this.#healthUrl = new Promise((resolveUrl, reject) => {
      let buffered = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/health)"/.exec(line)?.[1];
          if (url !== undefined && line.includes('health endpoint listening')) resolveUrl(url);
          newline = buffered.indexOf('\n');
        }
      });
      void this.exited.then((exit) =>
        reject(new Error(`worker ${id} exited (${exit.signal ?? exit.code}) before its health endpoint`)),
      );
    });
    this.#healthUrl.catch(() => {});
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  healthUrl(timeoutMs = 30_000): Promise<string> {
    return withDeadline(this.#healthUrl, `worker ${this.id}'s health endpoint`, timeoutMs);
  }

  async health(): Promise<WorkerHealth> {
    const response = await fetch(await this.healthUrl(), { signal: AbortSignal.timeout(5_000) });
    return (await response.json()) as WorkerHealth;
  }

  /** Bound binds this worker reports (0 when it cannot be asked: stopping or gone). */
  async boundBinds(): Promise<number> {
    if (!this.running) return 0;
    try {
      return (await this.health()).binds.filter((bind) => bind.status === 'bound').length;
    } catch {
      return 0;
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** The last `lines` lines of its log. */
  tail(lines = 40): string {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch (error) {
      return `(no log: ${(error as Error).message})`;
    }
  }
}

const spawned = new Set<WorkerProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const worker of spawned) worker.child.kill('SIGKILL');
  });
}

export interface SubscriberEvent {
  eventId: string;
  detailType: string;
  detail: Record<string, unknown>;
  /** Date.now() when the drain received this copy. */
  receivedAt: number;
}

/**
 * Drains the example subscriber queue in the background (ReceiveMessage + DeleteMessageBatch) and counts
 * every copy of every event by its deterministic `detail.eventId`.
 */
export class SubscriberDrain {
  /** Every copy received, in arrival order. */
  readonly copies: SubscriberEvent[] = [];
  readonly #byEventId = new Map<string, number>();
  readonly #controller = new AbortController();
  readonly #loops: Promise<void>[];
  #lastReceivedAt = Date.now();

  readonly #aws: EmulatorFixture;
  readonly #queueUrl: string;

  constructor(aws: EmulatorFixture, queueUrl: string, receivers = 2) {
    this.#aws = aws;
    this.#queueUrl = queueUrl;
    this.#loops = Array.from({ length: receivers }, () => this.#loop());
  }

  /** Copies received per eventId. */
  get byEventId(): ReadonlyMap<string, number> {
    return this.#byEventId;
  }

  /** Milliseconds since the last copy arrived. */
  get quietForMs(): number {
    return Date.now() - this.#lastReceivedAt;
  }

  async stop(): Promise<void> {
    this.#controller.abort();
    await Promise.allSettled(this.#loops);
  }

  async #loop(): Promise<void> {
    const signal = this.#controller.signal;
    while (!signal.aborted) {
      try {
        const received = await this.#aws.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
          { abortSignal: signal },
        );
        const messages = received.Messages ?? [];
        if (messages.length === 0) continue;
        this.#lastReceivedAt = Date.now();
        for (const message of messages) {
          const envelope = JSON.parse(message.Body ?? '{}') as {
            'detail-type': string;
            detail: Record<string, unknown>;
          };
          const eventId = String(envelope.detail.eventId);
          this.copies.push({
            eventId,
            detailType: envelope['detail-type'],
            detail: envelope.detail,
            receivedAt: this.#lastReceivedAt,
          });
          this.#byEventId.set(eventId, (this.#byEventId.get(eventId) ?? 0) + 1);
        }
        await this.#aws.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.#queueUrl,
            Entries: messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle ?? '',
            })),
          }),
        );
      } catch (error) {
        if (signal.aborted) return;
        console.warn(`subscriber drain: ${(error as Error).message}`);
        await sleep(250);
      }
    }
  }
}

export interface Fleet {
  readonly name: string;
  /** The emulator serving SQS, EventBridge and Secrets Manager. */
  readonly aws: EmulatorFixture;
  /** The emulator serving DynamoDB (a process of its own: see the file comment). */
  readonly dynamo: EmulatorFixture;
  readonly sim: SmscSimulator;
  readonly resources: FleetResources;
  readonly queueUrl: string;
  readonly fleetConfig: FleetConfigInput;
  readonly leasePeriodMs: number;
  readonly heartbeatMs: number;
  readonly workers: WorkerProcess[];
  readonly events: SubscriberDrain;
  /** The send API (local/httpApi) on a free port, its AWS calls through `awsProxy`. */
  readonly api: HttpApi;
  /** The endpoint the API (and, with `workersThroughProxy`, the workers) reach AWS through. */
  readonly awsProxy: AwsEndpointProxy;
  /** Where the emulators record every request they serve (test/support/recordedRequests.ts). */
  readonly recordedRequestFiles: readonly string[];
  /** Spawns one more worker (`<name>-w<n>`). */
  spawnWorker(): WorkerProcess;
  /**
   * Runs the reconciler once, as its schedule does, signing as its function's role, with its clock moved
   * past the send queue's reach: it reads every record this run wrote (the last two hours) and settles
   * those no SQS message could move any more.
   */
  reconcile(): Promise<ReconcileSummary>;
  /** Puts bodies straight into the send queue (SendMessageBatch); returns each one's message id. */
  send(bodies: ReadonlyArray<Record<string, unknown> | string>): Promise<string[]>;
  /**
   * Until every id is in a final state in the messages table (bounded); returns each one's status. Reads
   * only the ids not yet final, and starts reading once the events say they should be (see the body).
   */
  waitForFinal(ids: readonly string[], timeoutMs?: number): Promise<Map<string, MessageState>>;
  /** These messages' records, by message id (consistent reads). */
  records(ids: readonly string[]): Promise<Map<string, MessageRecord>>;
  /** The simulator's figures for the sub-account. */
  stats(): AccountStats;
  waitForSimulatorBinds(count: number, timeoutMs?: number): Promise<void>;
  /**
   * Until the running workers report these numbers of bound binds (in any order) and the simulator has
   * their sum open; resolves with the time it took.
   */
  waitForSpread(perWorker: readonly number[], timeoutMs?: number): Promise<number>;
  waitForReceiptsAnswered(timeoutMs?: number): Promise<void>;
  /** Visible + in flight + delayed messages in the send queue. */
  queueDepth(): Promise<number>;
  /** The sub-account's lease items (holder absent when released). */
  leases(): Promise<Array<{ slot: number; holder: string | undefined; fence: number; expiresAtMs: number }>>;
  /** Every worker's log tail, for a failure report. */
  logTails(lines?: number): string;
  stop(): Promise<void>;
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  installExitHook();
  const leasePeriodMs = options.leasePeriodMs ?? 6_000;
  const heartbeatMs = options.heartbeatMs ?? Math.floor(leasePeriodMs / 3);
  const logDir = join(
    repoRoot,
    '.tmp',
    'fleet-logs',
    `${options.name}-${new Date().toISOString().replace(/[:.]/g, '')}`,
  );
  mkdirSync(logDir, { recursive: true });

  // Every request both emulators serve, for the IAM contract (test/support/iamContract.ts).
  const recordedRequestFiles = ['aws', 'dynamodb'].map((which) => join(logDir, `requests-${which}.jsonl`));
  const [aws, dynamo] = await Promise.all(
    recordedRequestFiles.map((path) => startEmulatorFixture({ recordRequestsTo: path })),
  );
  if (aws === undefined || dynamo === undefined) throw new Error('two emulators expected');
  const sim = new SmscSimulator({
    accounts: [{ systemId: subAccount, password: smppPassword, maxBinds: 4, submitsPerSecond: 50 }],
    receiptDelayMs: 50,
    receiptRedeliveryMs: 1_000,
    ...options.simulator,
  });
  const workers: WorkerProcess[] = [];
  let events: SubscriberDrain | undefined;
  let api: HttpApi | undefined;
  let recordStream: RecordStream | undefined;
  const awsProxy = new AwsEndpointProxy({
    dynamodb: dynamo.emulator.endpoint,
    other: aws.emulator.endpoint,
  });
  try {
    await awsProxy.start();
    const { port } = await sim.start();
    const fleetConfig: FleetConfigInput = {
      subAccounts: [
        {
          id: subAccount,
          host: '127.0.0.1',
          port,
          tls: false,
          bindCap: 4,
          submitsPerSecond: 50,
          password:
            options.passwordSecretId === undefined
              ? { env: passwordEnv }
              : { secretId: options.passwordSecretId },
        },
      ],
      leasePeriodMs,
      heartbeatMs,
      ...(options.visibilityTimeoutSeconds === undefined
        ? {}
        : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
    };
    const resources = await createFleetResources(
      { dynamodb: dynamo.dynamodb, sqs: aws.sqs, eventBridge: aws.eventBridge },
      parseFleetConfig(fleetConfig),
      { prefix: options.name },
    );
    const queueUrl = resources.sendQueues[subAccount]?.queueUrl ?? '';
    events = new SubscriberDrain(aws, resources.subscriber?.queueUrl ?? '');

    // The handlers' environment, as local/start.ts gives it (quiet: a test reads answers, not logs).
    api = await startHttpApi({
      port: 0,
      env: {
        ...resources.env,
        [apiEnv.fleetConfig]: JSON.stringify(fleetConfig),
        [apiEnv.logLevel]: process.env.FLEET_LOG_LEVEL ?? 'ERROR',
        [apiEnv.maskPhoneNumbers]: 'true',
        [apiEnv.metricsDisabled]: 'true',
        [apiEnv.awsEndpointUrl]: awsProxy.url,
        [apiEnv.awsRegion]: emulatorRegion,
        [apiEnv.awsSecretAccessKey]: emulatorCredentials.secretAccessKey,
      },
      // Each route signs as its own function's role, as in AWS.
      routeEnv: Object.fromEntries(
        apiRoutes.map((route) => [route.id, { [apiEnv.awsAccessKeyId]: principalKeys.apiRoute(route.id) }]),
      ),
    });

    // The events: the records-stream consumer, as npm start runs it, signing as its function's role.
    recordStream = await startRecordStream({
      streamArn: resources.recordStream.streamArn,
      env: {
        ...resources.env,
        [apiEnv.logLevel]: process.env.FLEET_LOG_LEVEL ?? 'ERROR',
        [apiEnv.maskPhoneNumbers]: 'true',
        [apiEnv.awsEndpointUrl]: awsProxy.url,
        [apiEnv.awsRegion]: emulatorRegion,
        [apiEnv.awsAccessKeyId]: principalKeys.recordEvents,
        [apiEnv.awsSecretAccessKey]: emulatorCredentials.secretAccessKey,
      },
    });

    const endpoints: NodeJS.ProcessEnv = options.workersThroughProxy
      ? { [workerEnv.awsEndpointUrl]: awsProxy.url }
      : {
          [workerEnv.awsEndpointUrl]: aws.emulator.endpoint,
          // The SDK's per-service override (AWS_ENDPOINT_URL_<SERVICE ID>): DynamoDB to its own emulator.
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.emulator.endpoint,
        };
    const workerEnvironment = (workerId: string): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...resources.env,
      [workerEnv.fleetConfig]: JSON.stringify(fleetConfig),
      [workerEnv.workerId]: workerId,
      [workerEnv.healthPort]: '0',
      [workerEnv.logLevel]: process.env.FLEET_LOG_LEVEL ?? 'INFO',
      [workerEnv.maskPhoneNumbers]: 'true',
      // Metrics every second, not every minute, so a test sees them (test/support/metricContract.ts).
      [workerEnv.metricsIntervalMs]: '1000',
      ...endpoints,
      [workerEnv.awsRegion]: emulatorRegion,
      // Signs as the task role (the IAM contract tells the workers' calls from the test's by it).
      AWS_ACCESS_KEY_ID: principalKeys.worker,
      AWS_SECRET_ACCESS_KEY: emulatorCredentials.secretAccessKey,
      [passwordEnv]: smppPassword,
    });

    // What the image runs (test/support/workerBundle.ts); tsx only for the harness's exit hook.
    const bundlePath = await workerBundle();
    const extraNodeFlags = (process.env.FLEET_WORKER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
    const profiling = extraNodeFlags.some(
      (flag) => flag.startsWith('--cpu-prof') || flag.startsWith('--heap-prof'),
    );
    const spawnWorker = (): WorkerProcess => {
      const workerId = `${options.name}-w${workers.length + 1}`;
      const logPath = join(logDir, `${workerId}.log`);
      const log = createWriteStream(logPath);
      const child = spawn(
        process.execPath,
        [
          ...extraNodeFlags,
          '--enable-source-maps',
          '--import',
          'tsx',
          '--import',
          './test/e2e/exitWithParent.ts',
          bundlePath,
        ],
        { cwd: repoRoot, env: workerEnvironment(workerId), stdio: ['pipe', 'pipe', 'pipe'] },
      );
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
      const worker = new WorkerProcess(workerId, child, logPath);
      spawned.add(worker);
      void worker.exited.then((exit) => {
        spawned.delete(worker);
        log.end(`\n[harness] ${workerId} exited: ${exit.signal ?? `code ${exit.code}`}\n`);
      });
      workers.push(worker);
      return worker;
    };
    for (let i = 0; i < (options.workers ?? 2); i += 1) spawnWorker();

    const drain = events;
    const httpApi = api;
    const consumer = recordStream;
    const fleet: Fleet = {
      name: options.name,
      aws,
      dynamo,
      sim,
      resources,
      queueUrl,
      fleetConfig,
      leasePeriodMs,
      heartbeatMs,
      workers,
      events: drain,
      api: httpApi,
      awsProxy,
      recordedRequestFiles,
      spawnWorker,
      reconcile: () =>
        reconcileRecordsHandlerFromEnv(
          {
            ...resources.env,
            [apiEnv.logLevel]: process.env.FLEET_LOG_LEVEL ?? 'ERROR',
            [apiEnv.maskPhoneNumbers]: 'true',
            [apiEnv.awsEndpointUrl]: awsProxy.url,
            [apiEnv.awsRegion]: emulatorRegion,
            [apiEnv.awsAccessKeyId]: principalKeys.reconciler,
            [apiEnv.awsSecretAccessKey]: emulatorCredentials.secretAccessKey,
          },
          { now: () => Date.now() + queueReachMs },
        )(),
      // Every body with a key here is valid, so each keyed one takes its key's id.
      send: (bodies) => sendToQueue(aws.sqs, queueUrl, bodies, { subAccount, concurrency: 4 }),
      async waitForFinal(ids, timeoutMs = 180_000) {
        const deadline = Date.now() + timeoutMs;
        const wanted = [...new Set(ids)];
        // Reading records costs moto ~0.5 ms of CPU per item, so while messages are still moving the
        // wait watches what costs it nothing: the final-state events on the subscriber queue (published
        // only after the final state is written). It stops at the first quiet spell, then reads DynamoDB.
        const announced = new Set<string>();
        let seen = 0;
        await pollUntil(
          'every message announced final (or the events stalling)',
          () => {
            for (; seen < drain.copies.length; seen += 1) {
              const copy = drain.copies[seen];
              if (copy?.detail.isFinal === true) announced.add(String(copy.detail.messageId));
            }
            return wanted.every((id) => announced.has(id)) || drain.quietForMs > 15_000;
          },
          { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 250 },
        ).catch(() => {});
        const statuses = new Map<string, MessageState>();
        const notFinal = () => wanted.filter((id) => !isFinalState(statuses.get(id) ?? 'accepted'));
        const stuck = async (error: unknown): Promise<never> => {
          const examples = await readMessageRecords(
            dynamo.documentClient,
            resources.tables.messages,
            notFinal().slice(0, 3),
          );
          throw new Error(
            `${(error as Error).message}\n${examples.map((record) => JSON.stringify(record)).join('\n')}`,
          );
        };
        await pollUntil(
          `${wanted.length} messages in a final state in DynamoDB`,
          async () => {
            const read = await readMessageRecords(
              dynamo.documentClient,
              resources.tables.messages,
              notFinal(),
              {
                statusOnly: true,
              },
            );
            for (const record of read) {
              statuses.set(record.messageId, record.status);
            }
            return notFinal().length === 0;
          },
          {
            timeoutMs: Math.max(1, deadline - Date.now()),
            intervalMs: 250,
            describe: () => {
              const left = notFinal();
              const byState = countBy(left.map((id) => statuses.get(id) ?? 'no record'));
              return `${left.length} not final (${JSON.stringify(byState)}), e.g. ${left.slice(0, 3).join(', ')}`;
            },
          },
        ).catch(stuck);
        return statuses;
      },
      async records(ids) {
        const records = await readMessageRecords(dynamo.documentClient, resources.tables.messages, [
          ...new Set(ids),
        ]);
        return new Map(records.map((record) => [record.messageId, record]));
      },
      stats() {
        const stats = sim.stats().accounts[subAccount];
        if (stats === undefined) throw new Error(`the simulator has no account ${subAccount}`);
        return stats;
      },
      async waitForSimulatorBinds(count, timeoutMs = 30_000) {
        await pollUntil(`${count} binds open at the simulator`, () => fleet.stats().binds.current === count, {
          timeoutMs,
          intervalMs: 50,
          describe: () => `${fleet.stats().binds.current} open`,
        });
      },
      async waitForSpread(perWorker, timeoutMs = 45_000) {
        const want = [...perWorker].sort().join('/');
        const total = perWorker.reduce((sum, n) => sum + n, 0);
        let seen: number[] = [];
        return pollUntil(
          `binds spread ${want} over the workers`,
          async () => {
            const running = workers.filter((worker) => worker.running);
            seen = await Promise.all(running.map((worker) => worker.boundBinds()));
            return fleet.stats().binds.current === total && [...seen].sort().join('/') === want;
          },
          {
            timeoutMs,
            intervalMs: 200,
            describe: () =>
              `workers report ${seen.join('/')} bound, ${fleet.stats().binds.current} at the simulator`,
          },
        );
      },
      async waitForReceiptsAnswered(timeoutMs = 60_000) {
        await pollUntil('every receipt answered', () => fleet.stats().receipts.outstanding === 0, {
          timeoutMs,
          intervalMs: 100,
          describe: () => JSON.stringify(fleet.stats().receipts),
        });
      },
      async queueDepth() {
        const { Attributes: attributes = {} } = await aws.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        );
        return (
          Number(attributes.ApproximateNumberOfMessages ?? 0) +
          Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
          Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0)
        );
      },
      async leases() {
        const { Items: items = [] } = await dynamo.dynamodb.send(
          new QueryCommand({
            TableName: resources.tables.leases,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: leasePartitionKey(subAccount) } },
            ConsistentRead: true,
          }),
        );
        return items.map((item) => ({
          slot: Number((item.sk?.S ?? '').replace('SLOT#', '')),
          holder: item.holder?.S,
          fence: Number(item.fence?.N ?? 0),
          expiresAtMs: Number(item.leaseExpiresAtMs?.N ?? 0),
        }));
      },
      logTails(lines = 40) {
        return workers
          .map((worker) => `----- ${worker.id} (${worker.logPath}) -----\n${worker.tail(lines)}`)
          .join('\n');
      },
      async stop() {
        await Promise.all(
          workers.map(async (worker) => {
            // A profile is written at exit, which SIGKILL never reaches.
            if (profiling && worker.running) {
              worker.signal('SIGTERM');
              await withDeadline(worker.exited, `worker ${worker.id} to stop`, 60_000).catch(() => {});
            }
            worker.signal('SIGKILL');
            await withDeadline(worker.exited, `worker ${worker.id} to exit`, 10_000).catch(() => {});
          }),
        );
        await drain.stop();
        await httpApi.stop();
        await consumer.stop();
        await awsProxy.stop();
        await sim.stop();
        await Promise.all([aws.stop(), dynamo.stop()]);
      },
    };
    return fleet;
  } catch (error) {
    for (const worker of workers) worker.signal('SIGKILL');
    await Promise.allSettled(workers.map((worker) => worker.exited));
    for (const worker of workers) console.error(`----- ${worker.id} -----\n${worker.tail()}`);
    await events?.stop();
    await api?.stop();
    await recordStream?.stop();
    await awsProxy.stop();
    await sim.stop();
    await Promise.all([aws.stop(), dynamo.stop()]);
    throw error;
  }
}
