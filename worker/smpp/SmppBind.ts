/**
 * A sticky bind: one SMPP session that stays up (reconnecting with capped, jittered backoff) and submits
 * through a bounded window at a bounded rate. The sending path hands it encoded parts; it answers with the
 * SMSC's verdict or a typed error that says whether the part may have reached the SMSC.
 *
 * Status changes only through #setStatus, which emits `status` with `from -> to` and the reason:
 *   closed -> connecting -> binding -> bound -> unbinding -> closed   (and any -> closed on failure)
 *
 * The pump (issue 13): parts go out when the window has room and the SubmitRateLimiter grants; otherwise one
 * timer waits for the limiter's earliest time. Every resp (any status) is reported to the limiter with its
 * arrival time, which is how it learns when the SMSC really read a submit; a 0x58 widens the limiter's
 * margin and pauses it briefly. How late the pump's timer grants is kept (`pumpTimerLag`): each millisecond
 * of it per cycle of 50 costs 0.1 % of the rate. The submit path uses callbacks, not promise chains, and an
 * O(1) queue: the engine's own CPU per submit is now close to a bare `smpp` loop's.
 *
 * Lanes (issue 14, docs/priority-lanes.md "Lane 3"): waiting parts are kept in two FIFOs by the request's
 * `lane`; the pump takes high first, and normal `normalShare` of the submits while both wait (SubmitQueue,
 * LanePicker). Lanes share the one window and rate: high does not add capacity, it only goes first.
 */
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { exponentialBackoff } from '../../core/backoff.js';
import { parseOptions } from '../../core/runtime/parseOptions.js';
import { bindFailureKind, CommandStatus, describeCommandStatus } from '../../core/smpp/commandStatus.js';
import type { SmppPdu } from '../../core/smpp/smppPackage.js';
import { systemTimers, type Timers } from '../runtime/Timers.js';
import { deliverSmFromPdu } from './deliverSmFromPdu.js';
import {
  SmppBindRejectedError,
  SmppCredentialsUnavailableError,
  SmppError,
  SmppNotBoundError,
} from './errors.js';
import type { Lane } from './LanePicker.js';
import {
  SmppConnection as Connection,
  type SmppConnection,
  type SmppCredentials,
  type SmppEndpoint,
} from './SmppConnection.js';
import { SubmitQueue } from './SubmitQueue.js';
import { SubmitRateLimiter } from './SubmitRateLimiter.js';
import { type BindMode, bindModes, type DeliverSm, type SubmitSmRequest } from './types.js';

export const bindStatuses = ['connecting', 'binding', 'bound', 'unbinding', 'closed'] as const;
export type BindStatus = (typeof bindStatuses)[number];

export type SubmitSmOutcome =
  | { accepted: true; messageId: string; throttledRetries: number }
  | {
      accepted: false;
      commandStatus: number;
      statusName: string;
      retryable: boolean;
      throttledRetries: number;
    };

export interface SmppBindEvents {
  status: [change: { from: BindStatus; to: BindStatus; reason: string }];
  bindRejected: [info: { commandStatus: number; statusName: string; retryInMs: number }];
  /** The credentials provider failed (a secret missing or empty): no bind was attempted; tried again later. */
  credentialsUnavailable: [info: { reason: string; retryInMs: number }];
  throttled: [info: { pauseMs: number; retries: number }];
  /** ESME_RMSGQFUL (0x14): the bind pauses and sends the part again, like a throttle (no rate change). */
  queueFull: [info: { pauseMs: number; retries: number }];
  /** A submit_sm_resp that came after its submit timed out: the part did reach the SMSC. */
  lateSubmitResponse: [info: { sequenceNumber: number; commandStatus: number; messageId: string }];
}

/** The numbers an operator tunes; validated once so a bad value is named at start-up. */
export const smppBindTuningSchema = z.object({
  /** submit_sm awaiting their resp; 30 sustains 50/s up to a 600 ms round trip at even pacing. */
  window: z.number().int().min(1).max(1000).default(30),
  // The upper bound is only there so a typo cannot allocate a huge limiter; benchmarks use it to turn the limit off.
  submitsPerSecond: z.number().positive().max(1_000_000).default(50),
  connectTimeoutMs: z.number().int().positive().default(10_000),
  requestTimeoutMs: z.number().int().positive().default(10_000),
  enquireLinkIntervalMs: z.number().int().positive().default(30_000),
  /**
   * How long ESME_RTHROTTLED pauses this bind before the part is sent again. Short, because the limiter
   * also widens its margin on every 0x58 and its ring already holds the next grant until the window has
   * room; a flat second (the old default) cost a bind 50 submits per 0x58.
   */
  throttlePauseMs: z.number().int().nonnegative().default(100),
  /** After this many 0x58 (or 0x14) answers for one part it is handed back as a retryable failure. */
  maxThrottleRetries: z.number().int().nonnegative().default(20),
  /**
   * How long ESME_RMSGQFUL (0x14: the SMSC's queue is full) pauses this bind before the part is sent again.
   * Longer than a throttle's pause: a full queue drains at the carrier's pace, not ours; sending on into it
   * only draws more 0x14.
   */
  queueFullPauseMs: z.number().int().nonnegative().default(1_000),
  reconnectInitialMs: z.number().int().positive().default(1000),
  reconnectMaxMs: z.number().int().positive().default(60_000),
  /** Bad credentials do not fix themselves: wait at least this long before trying them again. */
  credentialsRetryMs: z
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
  /**
   * A bind the SMSC refused for capacity (most often its bind count for the system_id is full: 0x0D): wait
   * at least this long before trying again. It clears only when the SMSC drops a dead bind, so the ordinary
   * backoff's first seconds would only draw more refusals (commandStatus.ts `bindFailureKind`).
   */
  capacityRetryMs: z.number().int().positive().default(5_000),
  /** A bind that stayed up this long counts as healthy, and the next failure starts backoff afresh. */
  stableAfterMs: z.number().int().positive().default(30_000),
  /** On stop, how long to wait for outstanding submit_sm_resp before unbinding anyway. */
  drainTimeoutMs: z.number().int().positive().default(30_000),
  /**
   * The least share of this bind's submits that queued normal-lane parts get while high-lane parts wait too
   * (counted in submits: LanePicker). 0 is strict priority; the cap keeps high's lane worth having.
   */
  normalShare: z.number().min(0).max(0.9).default(0.2),
});
export type SmppBindTuning = z.input<typeof smppBindTuningSchema>;

export interface SmppBindOptions extends SmppBindTuning {
  /** For logs and metrics, e.g. `acme-otp#2`. */
  name: string;
  endpoint: SmppEndpoint;
  /** Or a function asked before every bind, so a rotated password is used without a restart. */
  credentials: SmppCredentials | (() => Promise<SmppCredentials>);
  bindMode: BindMode;
  /** Records a receipt or inbound message and returns the deliver_sm_resp status (0 = recorded). */
  onDeliverSm?: (deliverSm: DeliverSm) => Promise<number>;
  /** Monotonic milliseconds. @default performance.now */
  now?: () => number;
  random?: () => number;
  /** @default the global setTimeout/clearTimeout */
  timers?: Timers;
}

interface QueuedSubmit {
  readonly lane: Lane;
  fields: Record<string, unknown>;
  throttledRetries: number;
  /** The limiter's number for the grant it was last sent under. */
  grant: number;
  resolve: (outcome: SubmitSmOutcome) => void;
  reject: (error: SmppError) => void;
}

export class SmppBind extends EventEmitter<SmppBindEvents> {
  readonly name: string;
  readonly #options: SmppBindOptions;
  readonly #tuning: z.output<typeof smppBindTuningSchema>;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #limiter: SubmitRateLimiter;
  readonly #reconnectDelay: (attempt: number) => number;
  readonly #queue: SubmitQueue<QueuedSubmit>;
  #status: BindStatus = 'closed';
  #connection: SmppConnection | undefined;
  #inFlight = 0;
  #started = false;
  #stopping: Promise<void> | undefined;
  #attempt = 0;
  /** The connect-and-bind in progress, if any: abort() and stop() end it rather than wait for it. */
  #connecting: AbortController | undefined;
  #boundAt = 0;
  #reconnectTimer: unknown;
  #pumpTimer: unknown;
  #pumpAt = Number.POSITIVE_INFINITY;
  /** How late the pump's timer grants: every millisecond of it per grant costs 0.1 % of the rate at 50/s. */
  readonly #pumpLag = { timerGrants: 0, totalMs: 0, maxMs: 0 };
  /** Set while stop() waits for the window to empty. */
  #onIdle: (() => void) | undefined;
  readonly #counters = { submitted: 0, accepted: 0, rejected: 0, throttled: 0, binds: 0, bindFailures: 0 };

  constructor(options: SmppBindOptions) {
    super();
    if (!bindModes.includes(options.bindMode)) throw new TypeError(`unknown bind mode "${options.bindMode}"`);
    this.name = options.name;
    this.#options = options;
    this.#tuning = parseTuning(options);
    this.#now = options.now ?? (() => performance.now());
    this.#timers = options.timers ?? systemTimers;
    this.#limiter = new SubmitRateLimiter({ ratePerSecond: this.#tuning.submitsPerSecond });
    this.#queue = new SubmitQueue(this.#tuning.normalShare);
    this.#reconnectDelay = exponentialBackoff({
      initialMs: this.#tuning.reconnectInitialMs,
      maxMs: this.#tuning.reconnectMaxMs,
      jitter: 'full',
      ...(options.random ? { random: options.random } : {}),
    });
  }

  get status(): BindStatus {
    return this.#status;
  }

  /** What a status page or metric wants to know about this bind right now. */
  snapshot() {
    return {
      name: this.name,
      status: this.#status,
      bindMode: this.#options.bindMode,
      inFlight: this.#inFlight,
      queued: this.#queue.length,
      /** The part of `queued` in the high lane: what a new high part waits behind. */
      queuedHigh: this.#queue.lengthOf('high'),
      window: this.#tuning.window,
      submitsPerSecond: this.#tuning.submitsPerSecond,
      boundSince: this.#status === 'bound' ? this.#boundAt : undefined,
      ...this.#counters,
    };
  }

  /**
   * Grants made from the pump's timer (the bind was waiting for the rate, not for work) and how late after
   * the limiter's earliest time they went out: the event-loop lag the pump sees. Diagnostics for the bench.
   */
  pumpTimerLag(): { timerGrants: number; meanMs: number; maxMs: number } {
    const { timerGrants, totalMs, maxMs } = this.#pumpLag;
    return { timerGrants, meanMs: timerGrants > 0 ? totalMs / timerGrants : 0, maxMs };
  }

  /** Starts connecting; reconnects on its own until stop(). Safe to call twice; does nothing after stop(). */
  start(): void {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    this.#connect();
  }

  /**
   * Stops taking submits, waits (bounded) for outstanding resps, unbinds and stays closed.
   * Queued parts that were never written fail with SmppNotBoundError (not in doubt). A connect or bind still
   * in progress is ended at once, not waited for: nothing was sent on it, and the caller may give the slot
   * up as soon as this resolves. Safe to call twice.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  /**
   * Drops the bind at once, without unbinding or waiting (its lease is lost: another worker may bind the
   * slot any moment). Queued parts fail not in doubt; parts awaiting their resp fail in doubt. No reconnect.
   * A connect or bind still in progress is ended too: its socket is destroyed before this returns, so a
   * bind_resp that was on its way is never read and the bind is never reported bound.
   */
  abort(reason: string): void {
    this.#stopping ??= Promise.resolve();
    this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#abortConnecting(reason);
    this.#failQueued(reason);
    const connection = this.#connection;
    if (connection) connection.destroy(reason);
    this.#setStatus('closed', reason);
  }

  /**
   * Submits one part; waits for a window slot and a rate grant (after the high lane's parts, when `lane` is
   * normal, but for its share), retries ESME_RTHROTTLED itself.
   */
  submit(request: SubmitSmRequest): Promise<SubmitSmOutcome> {
    if (this.#status !== 'bound' || this.#stopping) {
      return Promise.reject(new SmppNotBoundError({ status: this.#stopping ? 'stopping' : this.#status }));
    }
    return new Promise<SubmitSmOutcome>((resolve, reject) => {
      this.#queue.push({
        lane: request.lane ?? 'normal',
        fields: submitSmFields(request),
        throttledRetries: 0,
        grant: -1,
        resolve,
        reject,
      });
      this.#pump();
    });
  }

  #setStatus(to: BindStatus, reason: string): void {
    const from = this.#status;
    if (from === to) return;
    this.#status = to;
    this.emit('status', { from, to, reason });
  }

  #connect(): void {
    this.#reconnectTimer = undefined;
    const { endpoint, credentials } = this.#options;
    const connecting = new AbortController();
    this.#connecting = connecting;
    this.#setStatus('connecting', `connecting to ${endpoint.host}:${endpoint.port}`);
    (typeof credentials === 'function'
      ? credentials().catch((error: unknown) => {
          throw new SmppCredentialsUnavailableError(error);
        })
      : Promise.resolve(credentials)
    )
      .then((resolved) => this.#open(resolved, connecting.signal))
      .then(
        (connection) => this.#onBound(connection, connecting),
        (error: unknown) => this.#onConnectFailed(error, connecting),
      );
  }

  /** Ends the connect-and-bind in progress; its promise then fails, and #onConnectFailed ignores that. */
  #abortConnecting(reason: string): void {
    this.#connecting?.abort(reason);
    this.#connecting = undefined;
  }

  #open(credentials: SmppCredentials, signal: AbortSignal): Promise<SmppConnection> {
    return Connection.open({
      signal,
      endpoint: this.#options.endpoint,
      credentials,
      bindMode: this.#options.bindMode,
      connectTimeoutMs: this.#tuning.connectTimeoutMs,
      requestTimeoutMs: this.#tuning.requestTimeoutMs,
      enquireLinkIntervalMs: this.#tuning.enquireLinkIntervalMs,
      onDeliverSm: (pdu) => this.#onDeliverSm(pdu),
      onTransportConnected: () => this.#setStatus('binding', `sending ${this.#options.bindMode} bind`),
    });
  }

  #onBound(connection: SmppConnection, connecting: AbortController): void {
    if (this.#connecting === connecting) this.#connecting = undefined;
    if (connecting.signal.aborted || this.#stopping) {
      // Ended while the bind_resp was on its way: drop it as abort() drops a bound one, never use it.
      connection.destroy('aborted: the bind was ended before it came up');
      return;
    }
    this.#connection = connection;
    this.#boundAt = this.#now();
    this.#counters.binds += 1;
    connection.on('closed', (reason) => this.#onConnectionClosed(connection, reason));
    connection.on('lateResponse', (pdu) => {
      if (pdu.command !== 'submit_sm_resp') return;
      this.emit('lateSubmitResponse', {
        sequenceNumber: pdu.sequence_number,
        commandStatus: pdu.command_status,
        messageId: typeof pdu.message_id === 'string' ? pdu.message_id : '',
      });
    });
    this.#setStatus('bound', `bound as ${this.#options.bindMode}`);
    this.#pump();
  }

  #onConnectFailed(error: unknown, connecting: AbortController): void {
    if (this.#connecting === connecting) this.#connecting = undefined;
    // Ended by abort() or stop(): they set the status, and nothing is retried.
    if (connecting.signal.aborted) return;
    this.#counters.bindFailures += 1;
    const attempt = this.#attempt++;
    let delay = this.#reconnectDelay(attempt);
    if (error instanceof SmppBindRejectedError) {
      const kind = bindFailureKind(error.commandStatus);
      if (kind === 'credentials') delay = Math.max(delay, this.#tuning.credentialsRetryMs);
      if (kind === 'capacity') delay = Math.max(delay, this.#tuning.capacityRetryMs);
      this.emit('bindRejected', {
        commandStatus: error.commandStatus,
        statusName: error.statusName,
        retryInMs: delay,
      });
    }
    if (error instanceof SmppCredentialsUnavailableError)
      this.emit('credentialsUnavailable', { reason: error.message, retryInMs: delay });
    this.#setStatus('closed', error instanceof Error ? error.message : String(error));
    this.#scheduleReconnect(delay);
  }

  #onConnectionClosed(connection: SmppConnection, reason: string): void {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    this.#failQueued(reason);
    this.#setStatus('closed', reason);
    if (this.#stopping) return;
    if (this.#now() - this.#boundAt >= this.#tuning.stableAfterMs) this.#attempt = 0;
    this.#scheduleReconnect(this.#reconnectDelay(this.#attempt++));
  }

  #scheduleReconnect(delayMs: number): void {
    if (this.#stopping) return;
    this.#reconnectTimer = this.#timers.setTimeout(() => this.#connect(), delayMs);
  }

  /**
   * Sends queued parts while there is window and rate; otherwise sets one timer for the next grant.
   * `dueAtMs` is the time the timer was set for, when the timer is what called: how late the grant then went
   * out is the lag `pumpTimerLag` reports.
   */
  #pump(dueAtMs?: number): void {
    const connection = this.#connection;
    while (
      connection &&
      this.#status === 'bound' &&
      this.#queue.length > 0 &&
      this.#inFlight < this.#tuning.window
    ) {
      const now = this.#now();
      const grant = this.#limiter.tryAcquire(now);
      if (!grant.granted) {
        this.#schedulePump(grant.retryAtMs);
        return;
      }
      if (dueAtMs !== undefined) {
        const lag = now - dueAtMs;
        this.#pumpLag.timerGrants += 1;
        this.#pumpLag.totalMs += lag;
        if (lag > this.#pumpLag.maxMs) this.#pumpLag.maxMs = lag;
        dueAtMs = undefined;
      }
      const entry = this.#queue.shift();
      if (entry) {
        entry.grant = grant.grant;
        this.#send(connection, entry);
      }
    }
  }

  #schedulePump(atMs: number): void {
    if (this.#pumpTimer && this.#pumpAt <= atMs) return;
    this.#timers.clearTimeout(this.#pumpTimer);
    this.#pumpAt = atMs;
    this.#pumpTimer = this.#timers.setTimeout(this.#onPumpTimer, Math.max(0, atMs - this.#now()));
  }

  readonly #onPumpTimer = (): void => {
    const dueAtMs = this.#pumpAt;
    this.#pumpTimer = undefined;
    this.#pumpAt = Number.POSITIVE_INFINITY;
    this.#pump(dueAtMs);
  };

  #send(connection: SmppConnection, entry: QueuedSubmit): void {
    this.#inFlight += 1;
    this.#counters.submitted += 1;
    // A callback, not a promise chain: two promises and their microtasks per submit were measurable.
    connection.send('submit_sm', entry.fields, (error, resp) => {
      this.#inFlight -= 1;
      if (resp) {
        this.#limiter.answered(entry.grant, this.#now());
        this.#onSubmitResponse(entry, resp);
      } else {
        entry.reject(error ?? new SmppError('submit_sm failed without a reason', { inDoubt: true }));
      }
      this.#afterResponse();
    });
  }

  #afterResponse(): void {
    if (this.#inFlight === 0) this.#onIdle?.();
    this.#pump();
  }

  #onSubmitResponse(entry: QueuedSubmit, resp: SmppPdu): void {
    const status = resp.command_status;
    if (status === CommandStatus.ESME_ROK) {
      this.#counters.accepted += 1;
      const messageId = typeof resp.message_id === 'string' ? resp.message_id : '';
      entry.resolve({ accepted: true, messageId, throttledRetries: entry.throttledRetries });
      return;
    }
    const throttled = status === CommandStatus.ESME_RTHROTTLED;
    if (
      (throttled || status === CommandStatus.ESME_RMSGQFUL) &&
      entry.throttledRetries < this.#tuning.maxThrottleRetries
    ) {
      // Both say "not now" about the bind, not the part: pause the bind and send the part again first.
      entry.throttledRetries += 1;
      const now = this.#now();
      if (throttled) {
        this.#counters.throttled += 1;
        const pauseMs = this.#tuning.throttlePauseMs;
        this.#limiter.throttled(entry.grant, now);
        this.#limiter.pauseUntil(now + pauseMs);
        this.emit('throttled', { pauseMs, retries: entry.throttledRetries });
      } else {
        const pauseMs = this.#tuning.queueFullPauseMs;
        this.#limiter.pauseUntil(now + pauseMs);
        this.emit('queueFull', { pauseMs, retries: entry.throttledRetries });
      }
      if (this.#status === 'bound' && !this.#stopping) {
        this.#queue.unshift(entry);
        return;
      }
    }
    this.#counters.rejected += 1;
    const described = describeCommandStatus(status);
    entry.resolve({
      accepted: false,
      commandStatus: status,
      statusName: described.name,
      retryable: described.retry === 'retryable',
      throttledRetries: entry.throttledRetries,
    });
  }

  async #onDeliverSm(pdu: SmppPdu): Promise<number> {
    const handler = this.#options.onDeliverSm;
    // Without a handler nothing can record the receipt, so ask the SMSC to keep it and try again later.
    if (!handler) return CommandStatus.ESME_RX_T_APPN;
    return handler(deliverSmFromPdu(pdu));
  }

  #failQueued(reason: string): void {
    const waiting = this.#queue.takeAll();
    for (const entry of waiting) entry.reject(new SmppNotBoundError({ status: `closed (${reason})` }));
    this.#timers.clearTimeout(this.#pumpTimer);
    this.#pumpTimer = undefined;
    this.#pumpAt = Number.POSITIVE_INFINITY;
  }

  async #shutdown(): Promise<void> {
    this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#failQueued('stopping');
    const connection = this.#connection;
    if (!connection) {
      this.#abortConnecting('stopping');
      this.#setStatus('closed', 'stopped');
      return;
    }
    this.#setStatus('unbinding', 'stopping');
    await this.#drain(connection);
    await connection.unbind();
    this.#setStatus('closed', 'stopped');
  }

  /** Resolves when no submit awaits its resp (or the connection closes), or when the drain timeout passes. */
  #drain(connection: SmppConnection): Promise<void> {
    if (this.#inFlight === 0 || connection.isClosed) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        this.#timers.clearTimeout(deadline);
        this.#onIdle = undefined;
        connection.off('closed', finish);
        resolve();
      };
      const deadline = this.#timers.setTimeout(finish, this.#tuning.drainTimeoutMs);
      this.#onIdle = finish;
      connection.once('closed', finish);
    });
  }
}

function parseTuning(options: SmppBindTuning) {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(smppBindTuningSchema.shape))
    picked[key] = options[key as keyof SmppBindTuning];
  return parseOptions(smppBindTuningSchema, picked, 'SMPP bind');
}

function submitSmFields(request: SubmitSmRequest): Record<string, unknown> {
  return {
    service_type: request.serviceType ?? '',
    source_addr_ton: request.sourceAddrTon,
    source_addr_npi: request.sourceAddrNpi,
    source_addr: request.sourceAddr,
    dest_addr_ton: request.destAddrTon,
    dest_addr_npi: request.destAddrNpi,
    destination_addr: request.destinationAddr,
    esm_class: request.esmClass,
    registered_delivery: request.registeredDelivery,
    validity_period: request.validityPeriod ?? '',
    data_coding: request.dataCoding,
    short_message: request.shortMessage,
  };
}
