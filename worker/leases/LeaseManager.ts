/**
 * Keeps this worker's share of the fleet's bind slots: one LeaseManager per worker process. The policy, its
 * numbers and why it never opens a bind over the cap: docs/leases.md. In short:
 * - Holding a slot's lease (`LEASE#<subAccount>` / `SLOT#<n>`) is the only permission to keep a bind on it.
 *   Each heartbeat (at most a third of the lease period) renews what is held, writes this worker's presence
 *   and moves toward its fair share (leaseDecisions.ts); every store call is cut off after callTimeoutMs.
 * - `holds()` answers from a local deadline on both clocks (the last renewal's send time + lease − margin);
 *   a timer emits `lost` at it even while a renewal hangs, and a refused renewal emits `lost` at once.
 * - Giving a slot up: `releasing`, the caller closes the bind and calls `unbound()`, then the release.
 * - Shutdown: `stop()` (renew only, presence `draining`), close every bind, then `releaseAll()`.
 */
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { BackgroundTasks } from '../../core/runtime/BackgroundTasks.js';
import { parseOptions } from '../../core/runtime/parseOptions.js';
import { systemTimers, type Timers } from '../runtime/Timers.js';
import type { BindReport } from './BindPresenceReporter.js';
import { LeaseManagerOptionsError, LeaseManagerStoppedError } from './errors.js';
import type { LeaseStore, LeaseStoreOperation } from './LeaseStore.js';
import { nextLapseMs, planLeases, type SubAccountLeaseView } from './leaseDecisions.js';

export const leaseManagerStatuses = ['idle', 'running', 'draining', 'stopped'] as const;
/** idle → running (start) → draining (stop: renew only) → stopped (releaseAll). */
export type LeaseManagerStatus = (typeof leaseManagerStatuses)[number];

/**
 * 'renewal-overdue': no renewal succeeded in time (store slow, unreachable, or this process was paused).
 * 'taken-over': the store refused a renewal: the lease is someone else's (or was released).
 */
export type LeaseLossReason = 'renewal-overdue' | 'taken-over';

export interface LeaseRef {
  readonly subAccount: string;
  readonly slot: number;
  /** This tenure's fencing token (larger than every earlier holder's of the same slot). */
  readonly fence: number;
}

export interface LeaseManagerEvents {
  /** The slot is ours: open a bind on it. */
  acquired: [lease: LeaseRef];
  /** Give the slot up: stop submitting on it, close its bind, then call `unbound()` (once). */
  releasing: [request: LeaseRef & { readonly unbound: () => void }];
  /** The lease is given back (after `unbound()`, or by releaseAll()). */
  released: [lease: LeaseRef];
  /** Stop using the slot NOW: no more submits, destroy the bind (do not wait for a clean unbind). */
  lost: [loss: LeaseRef & { readonly reason: LeaseLossReason }];
  /** A store call failed or timed out; the manager carries on (deadlines keep the cap safe). */
  storeError: [
    failure: { operation: LeaseStoreOperation; subAccount?: string; slot?: number; error: unknown },
  ];
  status: [change: { from: LeaseManagerStatus; to: LeaseManagerStatus }];
}

/** The timer functions the manager uses; tests inject fake ones. */
export type LeaseTimers = Timers;

export interface LeaseManagerOptions {
  /** Unique per process (the ECS task id); the lease holder name. Two processes must never share one. */
  readonly workerId: string;
  /** The sub-accounts this worker binds for, with their caps (fleet config `subAccounts`). */
  readonly subAccounts: readonly { readonly id: string; readonly bindCap: number }[];
  readonly store: LeaseStore;
  /** Fleet config `leasePeriodMs`. */
  readonly leasePeriodMs: number;
  /** @default floor(leasePeriodMs / 3); at most that. */
  readonly heartbeatMs?: number;
  /** Clock skew and pauses the deadline leaves room for. @default floor(leasePeriodMs / 5) */
  readonly safetyMarginMs?: number;
  /** Each store call is aborted after this. @default floor(heartbeatMs / 2) */
  readonly callTimeoutMs?: number;
  /** Epoch milliseconds: what expiries in the table are written in. @default Date.now */
  readonly now?: () => number;
  /** A clock that never steps back (NTP corrections). @default performance.now */
  readonly monotonicNow?: () => number;
  /** @default the global setTimeout/clearTimeout */
  readonly timers?: LeaseTimers;
  /**
   * What this worker's binds are doing, written into its presence item each heartbeat (status pages read
   * it). Never part of a lease decision; if it throws, the presence is written without it.
   * @default none: the presence item carries only aliveUntilMs
   */
  readonly presenceBinds?: () => readonly BindReport[];
}

export interface LeaseManagerSettings {
  readonly leasePeriodMs: number;
  readonly heartbeatMs: number;
  readonly safetyMarginMs: number;
  readonly callTimeoutMs: number;
  /** How long a presence item counts as live: leasePeriodMs − safetyMarginMs. */
  readonly presenceMs: number;
  /** How often the slots are read while another worker drains: max(250, heartbeatMs / 10). */
  readonly drainWatchMs: number;
}

export interface LeaseSnapshot extends LeaseRef {
  readonly state: 'held' | 'releasing';
  /** Milliseconds until the local deadline (by the nearer of the two clocks). */
  readonly validForMs: number;
}

interface HeldLease extends LeaseRef {
  monotonicDeadline: number;
  epochDeadline: number;
  state: 'held' | 'releasing';
  timer: unknown;
}

type CallResult<T> = { ok: true; value: T } | { ok: false };

const millis = z.int().positive();
const optionsSchema = z
  .object({
    workerId: z.string().min(1),
    subAccounts: z.array(z.object({ id: z.string().min(1), bindCap: z.int().min(1) })),
    leasePeriodMs: millis,
    heartbeatMs: millis.optional(),
    safetyMarginMs: millis.optional(),
    callTimeoutMs: millis.optional(),
  })
  .transform((options) => {
    const heartbeatMs = options.heartbeatMs ?? Math.floor(options.leasePeriodMs / 3);
    return {
      ...options,
      heartbeatMs,
      safetyMarginMs: options.safetyMarginMs ?? Math.floor(options.leasePeriodMs / 5),
      callTimeoutMs: options.callTimeoutMs ?? Math.floor(heartbeatMs / 2),
    };
  })
  .superRefine((options, ctx) => {
    const { leasePeriodMs: lease, heartbeatMs, safetyMarginMs, callTimeoutMs } = options;
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (heartbeatMs * 3 > lease) {
      problem(
        'heartbeatMs',
        `must be at most a third of leasePeriodMs (${lease} ms): a holder must be able to miss a renewal and still stop in time`,
      );
    }
    if (callTimeoutMs >= heartbeatMs)
      problem('callTimeoutMs', `must be shorter than heartbeatMs (${heartbeatMs} ms)`);
    if (heartbeatMs + callTimeoutMs >= lease - safetyMarginMs) {
      problem(
        'safetyMarginMs',
        `leaves no time to renew: heartbeatMs + callTimeoutMs (${heartbeatMs + callTimeoutMs} ms) must be less than ` +
          `leasePeriodMs − safetyMarginMs (${lease - safetyMarginMs} ms)`,
      );
    }
    const seen = new Set<string>();
    options.subAccounts.forEach((account, index) => {
      if (seen.has(account.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['subAccounts', index, 'id'],
          message: `duplicate "${account.id}"`,
        });
      }
      seen.add(account.id);
    });
  });

/** Prunes at most this many dead workers' presence items per heartbeat (the table has no TTL). */
const maxPrunesPerHeartbeat = 5;

export class LeaseManager extends EventEmitter<LeaseManagerEvents> {
  readonly workerId: string;
  readonly settings: LeaseManagerSettings;
  readonly #subAccounts: readonly { readonly id: string; readonly bindCap: number }[];
  readonly #store: LeaseStore;
  readonly #now: () => number;
  readonly #monotonicNow: () => number;
  readonly #timers: LeaseTimers;
  readonly #presenceBinds: (() => readonly BindReport[]) | undefined;
  readonly #held = new Map<string, HeldLease>();
  /** Releases and discards running outside a heartbeat. */
  readonly #background = new BackgroundTasks();
  #status: LeaseManagerStatus = 'idle';
  #heartbeatTimer: unknown;
  #heartbeatRun: Promise<void> | undefined;
  /** Monotonic time the next renewing heartbeat is due. */
  #nextRegularAt: number | undefined;
  /** Set by a heartbeat: another worker's lease lapses (epoch ms) before the next regular heartbeat. */
  #nextLapseMs: number | undefined;
  /** Set by a heartbeat: another live worker is draining, so its slots come free soon. */
  #othersDraining = false;
  #stopping: Promise<void> | undefined;
  #releasingAll: Promise<void> | undefined;

  constructor(options: LeaseManagerOptions) {
    super();
    const { workerId, subAccounts, leasePeriodMs, heartbeatMs, safetyMarginMs, callTimeoutMs } = parseOptions(
      optionsSchema,
      options,
      'lease manager',
      (errors, cause) => new LeaseManagerOptionsError(errors, { cause }),
    );
    this.workerId = workerId;
    this.settings = {
      leasePeriodMs,
      heartbeatMs,
      safetyMarginMs,
      callTimeoutMs,
      presenceMs: leasePeriodMs - safetyMarginMs,
      drainWatchMs: Math.max(250, Math.floor(heartbeatMs / 10)),
    };
    this.#subAccounts = subAccounts;
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    this.#monotonicNow = options.monotonicNow ?? (() => performance.now());
    this.#timers = options.timers ?? systemTimers;
    this.#presenceBinds = options.presenceBinds;
  }

  get status(): LeaseManagerStatus {
    return this.#status;
  }

  /** Starts heartbeating (the first one at once). Safe to call twice; throws after stop(). */
  start(): void {
    if (this.#status === 'running') return;
    if (this.#status !== 'idle') throw new LeaseManagerStoppedError();
    this.#setStatus('running');
    this.#runHeartbeat();
  }

  /**
   * Stops taking and giving up slots; held leases keep being renewed until releaseAll(). Resolves when the
   * heartbeat in flight (if any) is done, so no `acquired` comes after it. Safe to call twice.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#status === 'idle' || this.#status === 'running') this.#setStatus('draining');
      await this.#heartbeatRun;
      // Tell the others now, not at the next heartbeat. Tracked in #background: releaseAll() waits for it, so
      // this write can never land after the presence is removed.
      if (this.#held.size > 0) this.#track(this.#writePresence(this.#now()).then(noop));
    })();
    return this.#stopping;
  }

  /**
   * Call once every bind is closed: stops renewing, releases every held lease (emitting `released`) and
   * removes this worker's presence, so others take the slots on their next heartbeat. Safe to call twice.
   */
  releaseAll(): Promise<void> {
    this.#releasingAll ??= this.#releaseAll();
    return this.#releasingAll;
  }

  /** May this worker use the slot right now? The sending path asks before every submit. */
  holds(subAccount: string, slot: number): boolean {
    const lease = this.#held.get(leaseId(subAccount, slot));
    return lease !== undefined && this.#isValid(lease);
  }

  /** What this worker holds now, for health checks and metrics. */
  leases(): LeaseSnapshot[] {
    return [...this.#held.values()]
      .filter((lease) => this.#isValid(lease))
      .map((lease) => ({
        subAccount: lease.subAccount,
        slot: lease.slot,
        fence: lease.fence,
        state: lease.state,
        validForMs: this.#remainingMs(lease),
      }));
  }

  /** This worker's presence item: live for presenceMs from `epoch`, `draining` once stop() was called. */
  #writePresence(epoch: number): Promise<CallResult<void>> {
    const presence = {
      workerId: this.workerId,
      aliveUntilMs: epoch + this.settings.presenceMs,
      ...(this.#status === 'draining' ? { draining: true } : {}),
      ...this.#bindsForPresence(),
    };
    return this.#call('putPresence', {}, (signal) => this.#store.putPresence(presence, { signal }));
  }

  /** The optional `binds` of the presence item; a failing reporter costs the report, never the presence. */
  #bindsForPresence(): { binds?: readonly BindReport[] } {
    if (this.#presenceBinds === undefined) return {};
    try {
      return { binds: this.#presenceBinds() };
    } catch {
      return {};
    }
  }

  #setStatus(to: LeaseManagerStatus): void {
    const from = this.#status;
    if (from === to) return;
    this.#status = to;
    this.emit('status', { from, to });
  }

  #runHeartbeat(): void {
    this.#heartbeatTimer = undefined;
    if (this.#status !== 'running' && this.#status !== 'draining') return;
    const startedAt = this.#monotonicNow();
    // A timer may fire a hair early by this clock; 5 ms keeps that a regular run.
    const regular = this.#nextRegularAt === undefined || startedAt >= this.#nextRegularAt - 5;
    if (regular) this.#nextRegularAt = startedAt + this.settings.heartbeatMs;
    const beat = this.#beat(regular);
    this.#heartbeatRun = beat.then(noop, noop);
    // A throw here is a bug (store failures are events): it surfaces as an unhandled rejection.
    void beat.finally(() => {
      this.#heartbeatRun = undefined;
      if (this.#status !== 'running' && this.#status !== 'draining') return;
      const untilRegular = (this.#nextRegularAt ?? startedAt) - this.#monotonicNow();
      const untilLapse = this.#nextLapseMs === undefined ? untilRegular : this.#nextLapseMs - this.#now();
      const untilLook = this.#othersDraining ? this.settings.drainWatchMs : untilRegular;
      const delay = Math.max(0, Math.min(untilRegular, untilLapse, untilLook));
      this.#heartbeatTimer = this.#timers.setTimeout(() => this.#runHeartbeat(), delay);
    });
  }

  /** `regular`: renew and write the presence too; otherwise (a run brought forward) only read and take. */
  async #beat(regular: boolean): Promise<void> {
    this.#nextLapseMs = undefined;
    this.#othersDraining = false;
    const epoch = this.#now();
    const monotonic = this.#monotonicNow();
    const renewals = regular
      ? Promise.all([...this.#held.values()].map((lease) => this.#renew(lease, epoch, monotonic)))
      : undefined;
    const presenceWrite = regular ? this.#writePresence(epoch) : undefined;
    if (this.#status !== 'running') {
      // Draining: renew what is held and stay present (marked draining) until releaseAll().
      await Promise.all([renewals, presenceWrite]);
      return;
    }
    const { leasePeriodMs } = this.settings;
    const presenceRead = this.#call('listPresence', {}, (signal) => this.#store.listPresence({ signal }));
    const slotReads = Promise.all(
      this.#subAccounts.map((account) =>
        this.#call('listSlots', { subAccount: account.id }, (signal) =>
          this.#store.listSlots(account.id, { signal }),
        ),
      ),
    );
    const [, , presence, slots] = await Promise.all([renewals, presenceWrite, presenceRead, slotReads]);
    // Without knowing who is alive no share can be computed: renewals alone this time.
    if (this.#status !== 'running' || !presence.ok) return;

    const nowMs = this.#now();
    for (const lease of [...this.#held.values()]) {
      if (!this.#isValid(lease)) this.#lose(lease, 'renewal-overdue');
    }
    const views: SubAccountLeaseView[] = [];
    this.#subAccounts.forEach((account, index) => {
      const read = slots[index];
      if (read === undefined || !read.ok) return;
      const mine = [...this.#held.values()].filter((lease) => lease.subAccount === account.id);
      views.push({
        subAccount: account.id,
        cap: account.bindCap,
        slots: read.value,
        held: mine.filter((lease) => lease.state === 'held').map((lease) => lease.slot),
        leaving: mine.filter((lease) => lease.state === 'releasing').map((lease) => lease.slot),
      });
    });
    const liveWorkers = presence.value.filter((p) => p.aliveUntilMs >= nowMs).map((p) => p.workerId);
    this.#othersDraining = presence.value.some(
      (p) => p.workerId !== this.workerId && p.draining === true && p.aliveUntilMs >= nowMs,
    );
    this.#nextLapseMs = nextLapseMs(this.workerId, nowMs, nowMs + this.settings.heartbeatMs, views);
    const work: Promise<void>[] = [];
    for (const plan of planLeases({ workerId: this.workerId, nowMs, liveWorkers, subAccounts: views })) {
      for (const slot of plan.release) {
        const lease = this.#held.get(leaseId(plan.subAccount, slot));
        if (lease?.state === 'held') this.#beginRelease(lease);
      }
      for (const { slot, fence } of plan.discard) work.push(this.#discard(plan.subAccount, slot, fence));
      for (const slot of plan.acquire) work.push(this.#acquire(plan.subAccount, slot));
    }
    const dead = presence.value
      .filter((p) => p.workerId !== this.workerId && p.aliveUntilMs < nowMs - leasePeriodMs)
      .slice(0, maxPrunesPerHeartbeat);
    for (const { workerId } of dead) {
      work.push(
        this.#call('removePresence', {}, (signal) =>
          this.#store.removePresence(workerId, { signal, expiredBeforeMs: nowMs - leasePeriodMs }),
        ).then(noop),
      );
    }
    await Promise.all(work);
  }

  async #renew(lease: HeldLease, epoch: number, monotonic: number): Promise<void> {
    const { leasePeriodMs, safetyMarginMs } = this.settings;
    const result = await this.#call('renew', { subAccount: lease.subAccount, slot: lease.slot }, (signal) =>
      this.#store.renew(
        {
          subAccount: lease.subAccount,
          slot: lease.slot,
          holder: this.workerId,
          fence: lease.fence,
          nowMs: epoch,
          leaseMs: leasePeriodMs,
        },
        { signal },
      ),
    );
    if (!result.ok || this.#held.get(leaseId(lease.subAccount, lease.slot)) !== lease) return;
    if (result.value.outcome === 'lost') {
      this.#lose(lease, 'taken-over');
      return;
    }
    // A renewal that answers after the deadline does not bring the lease back: the caller may already be
    // tearing the bind down on `holds()` being false.
    if (!this.#isValid(lease)) {
      this.#lose(lease, 'renewal-overdue');
      return;
    }
    lease.monotonicDeadline = Math.max(lease.monotonicDeadline, monotonic + leasePeriodMs - safetyMarginMs);
    lease.epochDeadline = Math.max(lease.epochDeadline, epoch + leasePeriodMs - safetyMarginMs);
    this.#armDeadline(lease);
  }

  async #acquire(subAccount: string, slot: number): Promise<void> {
    const { leasePeriodMs, safetyMarginMs } = this.settings;
    const epoch = this.#now();
    const monotonic = this.#monotonicNow();
    const result = await this.#call('acquire', { subAccount, slot }, (signal) =>
      this.#store.acquire(
        { subAccount, slot, holder: this.workerId, nowMs: epoch, leaseMs: leasePeriodMs },
        { signal },
      ),
    );
    if (!result.ok || result.value.outcome !== 'acquired') return;
    const { fence } = result.value;
    if (this.#status !== 'running') {
      // stop() came while this was in flight: nobody will bind it, so give it straight back.
      await this.#discard(subAccount, slot, fence);
      return;
    }
    const id = leaseId(subAccount, slot);
    const previous = this.#held.get(id);
    if (previous !== undefined) this.#lose(previous, 'taken-over');
    const lease: HeldLease = {
      subAccount,
      slot,
      fence,
      monotonicDeadline: monotonic + leasePeriodMs - safetyMarginMs,
      epochDeadline: epoch + leasePeriodMs - safetyMarginMs,
      state: 'held',
      timer: undefined,
    };
    // Answered too late to use: the next heartbeat sees it as ours-but-unused and takes it back or frees it.
    if (!this.#isValid(lease)) return;
    this.#held.set(id, lease);
    this.#armDeadline(lease);
    this.emit('acquired', { subAccount, slot, fence });
  }

  /** Releases a lease this worker holds in the store but has no bind on. */
  async #discard(subAccount: string, slot: number, fence: number): Promise<void> {
    await this.#call('release', { subAccount, slot }, (signal) =>
      this.#store.release({ subAccount, slot, holder: this.workerId, fence, nowMs: this.#now() }, { signal }),
    );
  }

  #beginRelease(lease: HeldLease): void {
    lease.state = 'releasing';
    let confirmed = false;
    const unbound = () => {
      if (confirmed) return;
      confirmed = true;
      this.#track(this.#finishRelease(lease));
    };
    if (this.listenerCount('releasing') === 0) {
      unbound();
      return;
    }
    this.emit('releasing', { subAccount: lease.subAccount, slot: lease.slot, fence: lease.fence, unbound });
  }

  async #finishRelease(lease: HeldLease): Promise<void> {
    // Lost meanwhile (the caller was told to stop): nothing left to give back.
    if (!this.#forget(lease)) return;
    // On failure the lease stays ours in the store; the next heartbeat finds it unused and frees it.
    await this.#giveBack(lease);
  }

  /** Releases a lease already dropped from #held in the store, emitting `released` if that worked. */
  async #giveBack(lease: HeldLease): Promise<void> {
    const { subAccount, slot, fence } = lease;
    const released = await this.#call('release', { subAccount, slot }, (signal) =>
      this.#store.release({ subAccount, slot, holder: this.workerId, fence, nowMs: this.#now() }, { signal }),
    );
    if (released.ok) this.emit('released', { subAccount, slot, fence });
  }

  async #releaseAll(): Promise<void> {
    await this.stop();
    this.#setStatus('stopped');
    if (this.#heartbeatTimer !== undefined) this.#timers.clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
    await this.#heartbeatRun;
    await this.#background.settled();
    const leases = [...this.#held.values()];
    for (const lease of leases) this.#forget(lease);
    await Promise.all(leases.map((lease) => this.#giveBack(lease)));
    await this.#call('removePresence', {}, (signal) => this.#store.removePresence(this.workerId, { signal }));
  }

  #isValid(lease: HeldLease): boolean {
    return this.#remainingMs(lease) > 0;
  }

  #remainingMs(lease: HeldLease): number {
    return Math.min(lease.monotonicDeadline - this.#monotonicNow(), lease.epochDeadline - this.#now());
  }

  /** (Re)sets the timer that emits `lost` at the deadline, whichever clock reaches it first. */
  #armDeadline(lease: HeldLease): void {
    if (lease.timer !== undefined) this.#timers.clearTimeout(lease.timer);
    lease.timer = undefined;
    const remaining = this.#remainingMs(lease);
    if (remaining <= 0) {
      this.#lose(lease, 'renewal-overdue');
      return;
    }
    lease.timer = this.#timers.setTimeout(() => {
      lease.timer = undefined;
      if (this.#held.get(leaseId(lease.subAccount, lease.slot)) === lease) this.#armDeadline(lease);
    }, remaining);
  }

  #lose(lease: HeldLease, reason: LeaseLossReason): void {
    if (!this.#forget(lease)) return;
    this.emit('lost', { subAccount: lease.subAccount, slot: lease.slot, fence: lease.fence, reason });
  }

  /** Drops the lease from the local map; false if it was not there (any more). */
  #forget(lease: HeldLease): boolean {
    const id = leaseId(lease.subAccount, lease.slot);
    if (this.#held.get(id) !== lease) return false;
    this.#held.delete(id);
    if (lease.timer !== undefined) this.#timers.clearTimeout(lease.timer);
    lease.timer = undefined;
    return true;
  }

  #track(work: Promise<void>): void {
    void this.#background.track(work);
  }

  /**
   * One store call with a timeout from the injected timers. A call that outlives it counts as failed even
   * if the store never settles it: a hanging request must not stall the heartbeat.
   */
  #call<T>(
    operation: LeaseStoreOperation,
    context: { subAccount?: string; slot?: number },
    request: (signal: AbortSignal) => Promise<T>,
  ): Promise<CallResult<T>> {
    return new Promise<CallResult<T>>((resolve) => {
      const controller = new AbortController();
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        this.#timers.clearTimeout(timer);
        this.emit('storeError', { operation, ...context, error });
        resolve({ ok: false });
      };
      const timer = this.#timers.setTimeout(() => {
        const error = new DOMException(
          `${operation} took longer than ${this.settings.callTimeoutMs} ms`,
          'TimeoutError',
        );
        controller.abort(error);
        fail(error);
      }, this.settings.callTimeoutMs);
      let pending: Promise<T>;
      try {
        pending = request(controller.signal);
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then((value) => {
        if (settled) return;
        settled = true;
        this.#timers.clearTimeout(timer);
        resolve({ ok: true, value });
      }, fail);
    });
  }
}

function leaseId(subAccount: string, slot: number): string {
  return `${subAccount}#${slot}`;
}

function noop(): void {}
