/**
 * One worker process, wired: leases decide which bind slots this process holds; each held slot is an
 * SmppBind in its sub-account's BindPool; a sub-account's SQS consumer runs while this process holds at
 * least one of its binds; every bind hands deliver_sm to its sub-account's ReceiptRecorder.
 *
 *   lease acquired  → create the bind, add it to the pool, start it (and the consumer)
 *   lease releasing → take it out of the pool, unbind (drain), then let the lease go
 *   lease lost      → take it out of the pool and drop it at once: another worker may bind the slot soon
 *
 * stop() is the SIGTERM path (ECS allows 120 s): stop taking slots, stop consuming (in-flight messages are
 * finished or returned), unbind every bind after its outstanding resps, finish receipts and events, release
 * the leases so a replacement binds at once, remove this worker's presence.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { bindSecondCountsMaxSeconds } from '../core/bindReport.js';
import type { SubAccountConfig } from '../core/fleetConfig.js';
import { errorAttributes, type WorkerLog } from '../core/log.js';
import { ConcatReferenceCounter } from './encoding/ConcatReferenceCounter.js';
import { DynamoDbSuppressionList } from './guardrails/DynamoDbSuppressionList.js';
import { DynamoDbVelocityCounter } from './guardrails/DynamoDbVelocityCounter.js';
import { BindPresenceReporter } from './leases/BindPresenceReporter.js';
import { BindSecondCounter } from './leases/BindSecondCounter.js';
import { DynamoDbLeaseStore } from './leases/DynamoDbLeaseStore.js';
import { LeaseGuardedBind } from './leases/LeaseGuardedBind.js';
import { LeaseManager } from './leases/LeaseManager.js';
import { ReceiptRecorder } from './receipts/ReceiptRecorder.js';
import { DynamoDbMessageStore } from './records/DynamoDbMessageStore.js';
import { messageStateOfReceipt } from './records/recordTransitions.js';
import type { AdaptiveInFlightLimit } from './runtime/AdaptiveInFlightLimit.js';
import type { MetricsSample, SubAccountSample } from './runtime/FleetMetrics.js';
import type { HealthReport } from './runtime/HealthServer.js';
import { passwordProvider } from './runtime/passwordProvider.js';
import { trustedCertificates, type WorkerSettings } from './runtime/workerSettings.js';
import { BindPool } from './sending/BindPool.js';
import { MessageSender } from './sending/MessageSender.js';
import { SqsSendConsumer } from './sending/SqsSendConsumer.js';
import { visibilityTimings } from './sending/visibilityTimings.js';
import { SmppBind } from './smpp/SmppBind.js';

export interface FleetWorkerClients {
  dynamo: DynamoDBDocumentClient;
  /**
   * For the lease store only: a client with its own connection pool, so renewals never wait behind
   * message-store calls. @default dynamo
   */
  leaseDynamo?: DynamoDBDocumentClient;
  sqs: SQSClient;
  secretsManager: SecretsManagerClient;
}

export interface FleetWorkerOptions {
  settings: WorkerSettings;
  clients: FleetWorkerClients;
  /** Where `{ env }` password sources are read. */
  env: NodeJS.ProcessEnv;
  logger: WorkerLog;
  /** Seconds of sending the bound binds can do that a consumer may hold in messages. @default 4 */
  prefetchSeconds?: number;
  /**
   * Scales each consumer's prefetch down while the message store is slow (runtime/AdaptiveInFlightLimit).
   * @default the full prefetch, always
   */
  inFlightLimit?: Pick<AdaptiveInFlightLimit, 'limit' | 'fraction'>;
  /**
   * Told of every receipt that moved a part to a final state (for metrics): the message state it means
   * (core/metrics.ts receiptOutcomes) and, when the record has it, ms since the part was submitted.
   */
  onFinalReceipt?: (subAccount: string, outcome: string, receiptLagMs?: number) => void;
  /** A deliver_sm could not be read (it was kept and published): the UnreadableDeliverSm metric. */
  onUnreadableDeliverSm?: (subAccount: string) => void;
}

interface SubAccountRuntime {
  config: SubAccountConfig;
  pool: BindPool;
  sender: MessageSender;
  consumer: SqsSendConsumer;
  recorder: ReceiptRecorder;
  /**
   * Held slots: the bind, the lease-guarded view of it the pool submits through, the lease's fence, and the
   * bind's per-second counts for the presence report.
   */
  binds: Map<
    number,
    { bind: SmppBind; pooled: LeaseGuardedBind | undefined; fence: number; perSecond: BindSecondCounter }
  >;
  /**
   * Every bind whose submit counters metrics have not read for the last time: held, draining, or finished
   * (`true`) since the last sample. Each bind object is one lifetime (see runtime/FleetMetrics.ts).
   */
  metered: Map<SmppBind, { finished: boolean }>;
  /** Why the password cannot be had right now (logged once), until a bind gets through again. */
  passwordProblem?: string;
}

export type FleetWorkerStatus = 'idle' | 'running' | 'stopping' | 'stopped';

export class FleetWorker {
  readonly #options: FleetWorkerOptions;
  readonly #log: WorkerLog;
  readonly #leases: LeaseManager;
  readonly #subAccounts = new Map<string, SubAccountRuntime>();
  readonly #presenceReporter = new BindPresenceReporter();
  #status: FleetWorkerStatus = 'idle';
  #stopping: Promise<void> | undefined;
  #lastLeaseError = Number.NEGATIVE_INFINITY;

  constructor(options: FleetWorkerOptions) {
    this.#options = options;
    const { settings, clients, logger } = options;
    this.#log = logger;
    const store = new DynamoDbMessageStore({
      client: clients.dynamo,
      tables: { messages: settings.messagesTable, correlation: settings.correlationTable },
      systemIds: Object.fromEntries(
        settings.fleet.subAccounts.map((account) => [account.id, account.systemId]),
      ),
    });
    const suppressions = new DynamoDbSuppressionList({
      client: clients.dynamo,
      tableName: settings.messagesTable,
    });
    const velocity =
      settings.velocityTable === undefined
        ? undefined
        : new DynamoDbVelocityCounter({ client: clients.dynamo, tableName: settings.velocityTable });
    const concatReferences = new ConcatReferenceCounter();
    const timings = visibilityTimings(settings.fleet.visibilityTimeoutSeconds);
    for (const config of settings.fleet.subAccounts) {
      const pool = new BindPool({ subAccount: config.id });
      const sender = new MessageSender({
        workerId: settings.workerId,
        claimTtlMs: timings.claimTtlMs,
        maxProcessingMs: timings.maxProcessingMs,
        inDoubtPolicy: settings.fleet.inDoubtPolicy,
        subAccount: {
          id: config.id,
          maxParts: config.maxParts,
          respIdFormat: config.respIdFormat,
          destinationRule: config.destinationRule,
          optOuts: config.optOuts,
          velocityLimits: config.velocityLimits,
        },
        store,
        suppressions,
        ...(velocity === undefined ? {} : { velocity }),
        pool,
        concatReferences,
        logger,
      });
      const prefetchSeconds = options.prefetchSeconds ?? 4;
      const full = () => Math.floor(pool.capacityPerSecond() * prefetchSeconds);
      const consumer = new SqsSendConsumer({
        sqs: clients.sqs,
        queueUrl: settings.sendQueueUrls[config.id] ?? '',
        visibilityTimeoutSeconds: timings.visibilityTimeoutSeconds,
        heartbeatIntervalSeconds: timings.heartbeatIntervalSeconds,
        handleMessage: (message, signal) => sender.handle(message, signal),
        maxInFlight: () => options.inFlightLimit?.limit(full()) ?? full(),
        logger,
      });
      const recorder = new ReceiptRecorder({
        subAccount: config.id,
        receiptIdFormat: config.receiptIdFormat,
        store,
        ...(config.optOuts === undefined
          ? {}
          : { optOuts: { stopKeywords: config.optOuts.stopKeywords, list: suppressions } }),
        logger,
      });
      pool.on('change', () => consumer.wake());
      recorder.on('handled', ({ outcome, receiptState, receiptLagMs }) => {
        const finalState = receiptState === undefined ? undefined : messageStateOfReceipt(receiptState);
        if (outcome === 'applied' && finalState !== undefined)
          options.onFinalReceipt?.(config.id, finalState, receiptLagMs);
        if (outcome === 'unparseable') options.onUnreadableDeliverSm?.(config.id);
      });
      this.#subAccounts.set(config.id, {
        config,
        pool,
        sender,
        consumer,
        recorder,
        binds: new Map(),
        metered: new Map(),
      });
    }
    this.#leases = new LeaseManager({
      workerId: settings.workerId,
      subAccounts: settings.fleet.subAccounts.map((account) => ({
        id: account.id,
        bindCap: account.bindCap,
      })),
      store: new DynamoDbLeaseStore({
        client: clients.leaseDynamo ?? clients.dynamo,
        tableName: settings.leasesTable,
      }),
      leasePeriodMs: settings.fleet.leasePeriodMs,
      ...(settings.fleet.heartbeatMs === undefined ? {} : { heartbeatMs: settings.fleet.heartbeatMs }),
      // Each heartbeat's presence item says what this worker's binds are doing (status page, operators).
      presenceBinds: () => this.#presenceReporter.report(this.#heldBinds(), Date.now()),
    });
    this.#leases.on('acquired', ({ subAccount, slot, fence }) => this.#bindSlot(subAccount, slot, fence));
    this.#leases.on('lost', ({ subAccount, slot, reason }) => this.#dropSlot(subAccount, slot, reason));
    this.#leases.on('releasing', ({ subAccount, slot, unbound }) => {
      void this.#unbindSlot(subAccount, slot).finally(unbound);
    });
    this.#leases.on('storeError', ({ operation, error }) => {
      this.#lastLeaseError = Date.now();
      this.#log.warn('lease store call failed', { operation, ...errorAttributes(error) });
    });
  }

  get status(): FleetWorkerStatus {
    return this.#status;
  }

  start(): void {
    if (this.#status !== 'idle') return;
    this.#status = 'running';
    this.#leases.start();
    this.#log.info('worker started', {
      workerId: this.#options.settings.workerId,
      subAccounts: [...this.#subAccounts.keys()],
    });
  }

  /** The graceful SIGTERM path; safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  /** Healthy while it can keep its promises: leases renewing (bound, or standing by with no slot). */
  health(): HealthReport {
    const leasePeriod = this.#options.settings.fleet.leasePeriodMs;
    const leasesCurrent = Date.now() - this.#lastLeaseError > leasePeriod || this.#leases.leases().length > 0;
    const binds = [...this.#subAccounts.values()].flatMap((runtime) =>
      [...runtime.binds.values()].map(({ bind }) => ({ name: bind.name, status: bind.status })),
    );
    return {
      healthy: this.#status === 'running' && leasesCurrent,
      status: this.#status,
      workerId: this.#options.settings.workerId,
      leases: this.#leases
        .leases()
        .map(({ subAccount, slot, fence, state }) => ({ subAccount, slot, fence, state })),
      binds,
      ...(this.#options.inFlightLimit ? { prefetchFraction: this.#options.inFlightLimit.fraction } : {}),
    };
  }

  /**
   * Per sub-account, for metrics: the bound binds this worker holds (none is a sample too), and the counters
   * of every bind metrics has not read for the last time. A bind that finished is in this sample once more,
   * with its final counts, and then no longer.
   */
  metricsSample(): MetricsSample {
    const sample = new Map<string, SubAccountSample>();
    for (const [id, runtime] of this.#subAccounts) {
      const bound = [...runtime.binds.values()]
        .map(({ bind }) => bind.snapshot())
        .filter((snapshot) => snapshot.status === 'bound');
      const counted = [...runtime.metered].map(([bind, { finished }]) => {
        if (finished) runtime.metered.delete(bind);
        const { accepted, rejected, throttled } = bind.snapshot();
        return { key: bind, counters: { accepted, rejected, throttled } };
      });
      sample.set(id, { bound, counted });
    }
    return sample;
  }

  /** What a status page shows of this worker's binds. */
  bindSnapshots() {
    return [...this.#subAccounts.values()].flatMap((runtime) =>
      [...runtime.binds.values()].map(({ bind }) => bind.snapshot()),
    );
  }

  #heldBinds() {
    return [...this.#subAccounts.values()].flatMap((runtime) =>
      [...runtime.binds].map(([slot, { bind, fence, perSecond }]) => ({
        subAccount: runtime.config.id,
        slot,
        fence,
        snapshot: bind.snapshot(),
        perSecond,
      })),
    );
  }

  #bindSlot(subAccount: string, slot: number, fence: number): void {
    const runtime = this.#subAccounts.get(subAccount);
    if (!runtime || this.#status !== 'running') return;
    const { config } = runtime;
    const password = passwordProvider(config.password, {
      secretsManager: this.#options.clients.secretsManager,
      env: this.#options.env,
    });
    // The settings checked the certificates at start-up and put their text in the config (workerSettings.ts).
    const caPem = trustedCertificates(config);
    const bind = new SmppBind({
      name: `${subAccount}#${slot}`,
      endpoint: { host: config.host, port: config.port, tls: config.tls, ...(caPem ? { caPem } : {}) },
      credentials: async () => ({ systemId: config.systemId, password: await password() }),
      bindMode: config.bindMode,
      window: config.window,
      submitsPerSecond: config.submitsPerSecond,
      enquireLinkIntervalMs: config.enquireLinkIntervalMs,
      requestTimeoutMs: config.requestTimeoutMs,
      onDeliverSm: runtime.recorder.onDeliverSm,
    });
    bind.on('status', (change) => {
      if (change.to === 'bound' && runtime.passwordProblem !== undefined) {
        runtime.passwordProblem = undefined;
        this.#log.info('SMPP password available again: binding', { subAccount });
      }
      // While the password is missing, each retry's connecting → closed says nothing new: the warning did.
      if (runtime.passwordProblem !== undefined && change.to !== 'binding') return;
      this.#log.info('bind status', { bind: bind.name, fence, ...change });
    });
    bind.on('credentialsUnavailable', ({ reason }) => {
      // Once per outage, whichever bind meets it first and whatever the next retries say.
      if (runtime.passwordProblem !== undefined) return;
      runtime.passwordProblem = reason;
      this.#log.warn('SMPP password unavailable: the binds stand by and try again until it is', {
        subAccount,
        reason,
      });
    });
    bind.on('bindRejected', (info) =>
      this.#log.warn('bind rejected by the SMSC', { bind: bind.name, ...info }),
    );
    const perSecond = new BindSecondCounter({
      startedAtMs: Date.now(),
      maxSeconds: bindSecondCountsMaxSeconds,
    });
    bind.on('throttled', () => perSecond.throttled(Date.now()));
    // A receiver bind only takes receipts; the pool never submits on it.
    const pooled =
      config.bindMode === 'receiver'
        ? undefined
        : new LeaseGuardedBind(
            bind,
            () => this.#leases.holds(subAccount, slot),
            () => perSecond.accepted(Date.now()),
          );
    runtime.binds.set(slot, { bind, pooled, fence, perSecond });
    runtime.metered.set(bind, { finished: false });
    if (pooled) runtime.pool.add(pooled);
    bind.start();
    runtime.consumer.start();
  }

  #detach(subAccount: string, slot: number): SmppBind | undefined {
    const runtime = this.#subAccounts.get(subAccount);
    const held = runtime?.binds.get(slot);
    if (!runtime || !held) return undefined;
    runtime.binds.delete(slot);
    if (held.pooled) runtime.pool.remove(held.pooled);
    if (runtime.binds.size === 0) void runtime.consumer.stop();
    return held.bind;
  }

  #dropSlot(subAccount: string, slot: number, reason: string): void {
    const bind = this.#detach(subAccount, slot);
    if (!bind) return;
    this.#log.warn('lease lost: dropping the bind at once', { bind: bind.name, reason });
    bind.abort(`lease lost (${reason})`);
    this.#finished(subAccount, bind);
  }

  async #unbindSlot(subAccount: string, slot: number): Promise<void> {
    const bind = this.#detach(subAccount, slot);
    if (!bind) return;
    await bind.stop();
    this.#finished(subAccount, bind);
  }

  /** Its counters are final: metrics reads them once more, then forgets the bind. */
  #finished(subAccount: string, bind: SmppBind): void {
    const metered = this.#subAccounts.get(subAccount)?.metered.get(bind);
    if (metered) metered.finished = true;
  }

  async #shutdown(): Promise<void> {
    if (this.#status === 'idle') {
      this.#status = 'stopped';
      return;
    }
    this.#status = 'stopping';
    this.#log.info('worker stopping: draining');
    await this.#leases.stop();
    const runtimes = [...this.#subAccounts.values()];
    await Promise.all(runtimes.map((runtime) => runtime.consumer.stop()));
    await Promise.all(
      runtimes.flatMap((runtime) =>
        [...runtime.binds.keys()].map((slot) => this.#unbindSlot(runtime.config.id, slot)),
      ),
    );
    await Promise.all(runtimes.map((runtime) => runtime.recorder.stop()));
    await Promise.all(runtimes.map((runtime) => runtime.sender.idle()));
    await this.#leases.releaseAll();
    this.#status = 'stopped';
    this.#log.info('worker stopped');
  }
}
