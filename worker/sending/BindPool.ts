/**
 * The binds this worker holds for one sub-account, as the sending path sees them. The wiring adds a bind
 * when its lease is won and removes it when the lease is lost or released; the pool only submits.
 *
 * - A normal part goes to the least-loaded bound bind (queued + awaiting resp, relative to its rate). A high
 *   part (issue 14) goes to the bind with the fewest high parts queued, relative to its rate: the bind sends
 *   its high lane first, so that queue is what the part waits behind; ties go by total load as for normal.
 * - A bind that turns out not to be bound (SmppNotBoundError, or closed before the PDU was written) never
 *   saw the part: the part goes to the next bind. With none bound the caller hears `no-bind` and leaves the
 *   SQS message for later instead of failing it.
 * - A submit that may have reached the SMSC without an answer comes back `in-doubt`. For a response
 *   timeout the pool listens for that bind's `lateSubmitResponse` with the same sequence number for
 *   `lateResponseWindowMs`: `lateResponse` resolves with the SMSC's answer if it comes (the doubt is
 *   resolved), else with undefined.
 */
import { EventEmitter } from 'node:events';
import { describeCommandStatus } from '../../core/smpp/commandStatus.js';
import { systemTimers, type Timers } from '../runtime/Timers.js';
import { SmppError, SmppResponseTimeoutError } from '../smpp/errors.js';
import type { Lane } from '../smpp/LanePicker.js';
import type { BindStatus, SmppBindEvents, SubmitSmOutcome } from '../smpp/SmppBind.js';
import type { SubmitSmRequest } from '../smpp/types.js';

/** What the pool needs of a bind (SmppBind has it). */
export interface PoolBind {
  readonly name: string;
  readonly status: BindStatus;
  submit(request: SubmitSmRequest): Promise<SubmitSmOutcome>;
  snapshot(): { inFlight: number; queued: number; queuedHigh: number; submitsPerSecond: number };
  on(event: 'status', listener: (...args: SmppBindEvents['status']) => void): unknown;
  on(event: 'lateSubmitResponse', listener: (...args: SmppBindEvents['lateSubmitResponse']) => void): unknown;
  off(event: 'status', listener: (...args: SmppBindEvents['status']) => void): unknown;
  off(
    event: 'lateSubmitResponse',
    listener: (...args: SmppBindEvents['lateSubmitResponse']) => void,
  ): unknown;
}

export type PoolSubmitResult =
  | { kind: 'accepted'; smscMessageId: string; bind: string }
  | { kind: 'refused'; commandStatus: number; statusName: string; retryable: boolean; bind: string }
  | { kind: 'no-bind' }
  | {
      kind: 'in-doubt';
      bind: string;
      /** What happened, for the record: "no submit_sm_resp within 10000 ms (sequence 42)". */
      reason: string;
      /** The SMSC's late answer, or undefined when none came in time (or none can come). */
      lateResponse: Promise<SubmitSmOutcome | undefined>;
    };

export interface BindPoolEvents {
  /** A bind was added or removed, or one of them changed status. */
  change: [info: { bound: number; total: number }];
}

export interface BindPoolOptions {
  subAccount: string;
  /** How long a timed-out submit's late resp is waited for. @default 60_000 */
  lateResponseWindowMs?: number;
  /** @default the global setTimeout/clearTimeout */
  timers?: Timers;
}

interface Attached {
  bind: PoolBind;
  onStatus: (...args: SmppBindEvents['status']) => void;
  onLate: (...args: SmppBindEvents['lateSubmitResponse']) => void;
  /** Timed-out submits by sequence number. */
  awaitingLate: Map<number, { resolve: (outcome: SubmitSmOutcome | undefined) => void; timer: unknown }>;
}

export class BindPool extends EventEmitter<BindPoolEvents> {
  readonly subAccount: string;
  readonly #lateResponseWindowMs: number;
  readonly #timers: Timers;
  readonly #binds = new Map<PoolBind, Attached>();

  constructor(options: BindPoolOptions) {
    super();
    const window = options.lateResponseWindowMs ?? 60_000;
    if (!Number.isFinite(window) || window < 0)
      throw new TypeError(`lateResponseWindowMs must be ≥ 0, got ${window}`);
    this.subAccount = options.subAccount;
    this.#lateResponseWindowMs = window;
    this.#timers = options.timers ?? systemTimers;
  }

  /** Adds a bind (started or not); adding one twice changes nothing. */
  add(bind: PoolBind): void {
    if (this.#binds.has(bind)) return;
    const attached: Attached = {
      bind,
      awaitingLate: new Map(),
      onStatus: (change) => {
        if (change.to !== 'bound') this.#forgetLate(attached);
        this.#emitChange();
      },
      onLate: (info) => {
        const waiting = attached.awaitingLate.get(info.sequenceNumber);
        if (waiting === undefined) return;
        attached.awaitingLate.delete(info.sequenceNumber);
        this.#timers.clearTimeout(waiting.timer);
        waiting.resolve(outcomeOfLateResponse(info));
      },
    };
    bind.on('status', attached.onStatus);
    bind.on('lateSubmitResponse', attached.onLate);
    this.#binds.set(bind, attached);
    this.#emitChange();
  }

  /** Removes a bind (the wiring stops it); its pending late responses are given up on. */
  remove(bind: PoolBind): void {
    const attached = this.#binds.get(bind);
    if (attached === undefined) return;
    bind.off('status', attached.onStatus);
    bind.off('lateSubmitResponse', attached.onLate);
    this.#forgetLate(attached);
    this.#binds.delete(bind);
    this.#emitChange();
  }

  get size(): number {
    return this.#binds.size;
  }

  /** Binds that are bound now. */
  get boundCount(): number {
    let count = 0;
    for (const bind of this.#binds.keys()) if (bind.status === 'bound') count += 1;
    return count;
  }

  /** Submits per second the bound binds allow together. */
  capacityPerSecond(): number {
    let total = 0;
    for (const bind of this.#binds.keys())
      if (bind.status === 'bound') total += bind.snapshot().submitsPerSecond;
    return total;
  }

  /** Submits one part on the least-loaded bound bind, moving on to the next while a bind turns out unbound. */
  async submit(request: SubmitSmRequest): Promise<PoolSubmitResult> {
    const tried = new Set<PoolBind>();
    for (;;) {
      const bind = this.#pick(tried, request.lane ?? 'normal');
      if (bind === undefined) return { kind: 'no-bind' };
      tried.add(bind);
      try {
        const outcome = await bind.submit(request);
        return outcome.accepted
          ? { kind: 'accepted', smscMessageId: outcome.messageId, bind: bind.name }
          : {
              kind: 'refused',
              commandStatus: outcome.commandStatus,
              statusName: outcome.statusName,
              retryable: outcome.retryable,
              bind: bind.name,
            };
      } catch (error) {
        if (error instanceof SmppError && !error.inDoubt) continue;
        return this.#inDoubt(bind, error);
      }
    }
  }

  #pick(tried: ReadonlySet<PoolBind>, lane: Lane): PoolBind | undefined {
    let best: PoolBind | undefined;
    let bestAhead = Number.POSITIVE_INFINITY;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const bind of this.#binds.keys()) {
      if (bind.status !== 'bound' || tried.has(bind)) continue;
      const snapshot = bind.snapshot();
      const rate = Math.max(snapshot.submitsPerSecond, 1e-9);
      const load = (snapshot.inFlight + snapshot.queued) / rate;
      // What the part waits behind: for high, only the high lane; for normal, everything.
      const ahead = lane === 'high' ? snapshot.queuedHigh / rate : load;
      if (ahead < bestAhead || (ahead === bestAhead && load < bestLoad)) {
        best = bind;
        bestAhead = ahead;
        bestLoad = load;
      }
    }
    return best;
  }

  #inDoubt(bind: PoolBind, error: unknown): PoolSubmitResult {
    const attached = this.#binds.get(bind);
    if (error instanceof SmppResponseTimeoutError && attached !== undefined && bind.status === 'bound') {
      const lateResponse = new Promise<SubmitSmOutcome | undefined>((resolve) => {
        const timer = this.#timers.setTimeout(() => {
          attached.awaitingLate.delete(error.sequenceNumber);
          resolve(undefined);
        }, this.#lateResponseWindowMs);
        (timer as { unref?: () => void }).unref?.();
        attached.awaitingLate.set(error.sequenceNumber, { resolve, timer });
      });
      return {
        kind: 'in-doubt',
        bind: bind.name,
        reason: `no submit_sm_resp on ${bind.name} within ${error.timeoutMs} ms (sequence ${error.sequenceNumber})`,
        lateResponse,
      };
    }
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      kind: 'in-doubt',
      bind: bind.name,
      reason: `on ${bind.name}: ${reason}`,
      lateResponse: Promise.resolve(undefined),
    };
  }

  /** Late resps come only on the same connection: once a bind is not bound, none will. */
  #forgetLate(attached: Attached): void {
    for (const waiting of attached.awaitingLate.values()) {
      this.#timers.clearTimeout(waiting.timer);
      waiting.resolve(undefined);
    }
    attached.awaitingLate.clear();
  }

  #emitChange(): void {
    this.emit('change', { bound: this.boundCount, total: this.#binds.size });
  }
}

function outcomeOfLateResponse(info: SmppBindEvents['lateSubmitResponse'][0]): SubmitSmOutcome {
  if (info.commandStatus === 0) return { accepted: true, messageId: info.messageId, throttledRetries: 0 };
  const described = describeCommandStatus(info.commandStatus);
  return {
    accepted: false,
    commandStatus: info.commandStatus,
    statusName: described.name,
    retryable: described.retry === 'retryable',
    throttledRetries: 0,
  };
}
