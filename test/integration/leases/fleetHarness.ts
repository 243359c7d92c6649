/**
 * Several LeaseManagers in one process against the real DynamoDbLeaseStore, each on its own fake clock
 * (shared fake true time + its skew), behind a fake network that a pause can stop:
 * - a worker's requests leave on its clock and its answers are handed back on its clock, so a frozen worker
 *   neither sends nor processes anything; the emulator call itself is real and is awaited before fake time
 *   moves on (`settle`);
 * - binds are simulated the way the sending path must drive them: `acquired` opens one, `lost` destroys it
 *   at once, `releasing` closes it (after `unbindMs` on the worker's clock) and then confirms `unbound()`.
 * `check()` runs after every instant the fake time stops at and records every broken invariant.
 */
import { LeaseManager, type LeaseManagerEvents } from '../../../worker/leases/LeaseManager.js';
import type {
  AcquireLeaseRequest,
  AcquireLeaseResult,
  LeaseCallOptions,
  LeaseStore,
  ReleaseLeaseRequest,
  RemovePresenceOptions,
  RenewLeaseRequest,
  RenewLeaseResult,
  WorkerPresence,
} from '../../../worker/leases/LeaseStore.js';
import type { LeaseSlot } from '../../../worker/leases/leaseDecisions.js';
import { type FakeClock, type FakeTime, flushMacrotasks } from '../../unit/leases/fakeTime.js';

/** The real (emulator) calls in flight; fake time does not move until they are done. */
export class RealCalls {
  readonly #inFlight = new Set<Promise<unknown>>();
  total = 0;

  track<T>(call: Promise<T>): Promise<T> {
    this.total += 1;
    this.#inFlight.add(call);
    call.then(
      () => this.#inFlight.delete(call),
      () => this.#inFlight.delete(call),
    );
    return call;
  }

  readonly settle = async (): Promise<void> => {
    for (;;) {
      await flushMacrotasks();
      if (this.#inFlight.size === 0) return;
      await Promise.allSettled([...this.#inFlight]);
    }
  };
}

export interface NetworkDelays {
  /** Fake ms before a request leaves (a frozen worker's requests wait). @default 0 */
  requestDelayMs?: number;
  /** Fake ms before an answer is handed back. @default 0 */
  replyDelayMs?: number;
}

/** One worker's path to the store. Aborting stops the wait; a request already sent still lands. */
export class WorkerNetwork implements LeaseStore {
  readonly #inner: LeaseStore;
  readonly #clock: FakeClock;
  readonly #calls: RealCalls;
  readonly #delays: Required<NetworkDelays>;

  constructor(inner: LeaseStore, clock: FakeClock, calls: RealCalls, delays: NetworkDelays = {}) {
    this.#inner = inner;
    this.#clock = clock;
    this.#calls = calls;
    this.#delays = { requestDelayMs: delays.requestDelayMs ?? 0, replyDelayMs: delays.replyDelayMs ?? 0 };
  }

  acquire(request: AcquireLeaseRequest, options?: LeaseCallOptions): Promise<AcquireLeaseResult> {
    return this.#send(() => this.#inner.acquire(request), options);
  }
  renew(request: RenewLeaseRequest, options?: LeaseCallOptions): Promise<RenewLeaseResult> {
    return this.#send(() => this.#inner.renew(request), options);
  }
  release(request: ReleaseLeaseRequest, options?: LeaseCallOptions): Promise<boolean> {
    return this.#send(() => this.#inner.release(request), options);
  }
  listSlots(subAccount: string, options?: LeaseCallOptions): Promise<LeaseSlot[]> {
    return this.#send(() => this.#inner.listSlots(subAccount), options);
  }
  putPresence(presence: WorkerPresence, options?: LeaseCallOptions): Promise<void> {
    return this.#send(() => this.#inner.putPresence(presence), options);
  }
  listPresence(options?: LeaseCallOptions): Promise<WorkerPresence[]> {
    return this.#send(() => this.#inner.listPresence(), options);
  }
  removePresence(workerId: string, options?: RemovePresenceOptions): Promise<void> {
    const { expiredBeforeMs } = options ?? {};
    return this.#send(
      () => this.#inner.removePresence(workerId, expiredBeforeMs === undefined ? {} : { expiredBeforeMs }),
      options,
    );
  }

  #send<T>(request: () => Promise<T>, options: LeaseCallOptions | undefined): Promise<T> {
    const signal = options?.signal;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        signal?.removeEventListener('abort', onAbort);
        settle();
      };
      const onAbort = () => finish(() => reject(signal?.reason));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#clock.schedule(this.#delays.requestDelayMs, () => {
        if (done) return;
        this.#calls.track(request()).then(
          (value) => this.#clock.schedule(this.#delays.replyDelayMs, () => finish(() => resolve(value))),
          (error: unknown) =>
            this.#clock.schedule(this.#delays.replyDelayMs, () => finish(() => reject(error))),
        );
      });
    });
  }
}

export interface SubAccountCap {
  readonly id: string;
  readonly bindCap: number;
}

export interface MemberOptions extends NetworkDelays {
  skewMs?: number;
  /** How long closing a bind takes before `unbound()` is confirmed. @default 50 */
  unbindMs?: number;
}

export interface FleetMember {
  readonly id: string;
  readonly clock: FakeClock;
  readonly manager: LeaseManager;
  /** `<subAccount>#<slot>` of the binds this worker has open. */
  readonly binds: Set<string>;
  /** True time (ms since the fleet's start) of start(). */
  readonly startedAt: number;
  killed: boolean;
}

export interface Acquisition {
  /** True time, ms since the fleet's start. */
  readonly at: number;
  readonly member: string;
  readonly subAccount: string;
  readonly slot: number;
  readonly fence: number;
}

export class Fleet {
  readonly members = new Map<string, FleetMember>();
  readonly acquisitions: Acquisition[] = [];
  readonly losses: { at: number; member: string; loss: LeaseManagerEvents['lost'][0] }[] = [];
  readonly violations: string[] = [];
  readonly #time: FakeTime;
  readonly #startMs: number;
  readonly #store: LeaseStore;
  readonly #calls: RealCalls;
  readonly #subAccounts: readonly SubAccountCap[];
  readonly #leasePeriodMs: number;
  readonly #lastFence = new Map<string, number>();
  checks = 0;

  constructor(
    time: FakeTime,
    store: LeaseStore,
    calls: RealCalls,
    subAccounts: readonly SubAccountCap[],
    leasePeriodMs = 15_000,
  ) {
    this.#leasePeriodMs = leasePeriodMs;
    this.#time = time;
    this.#startMs = time.nowMs;
    this.#store = store;
    this.#calls = calls;
    this.#subAccounts = subAccounts;
    time.onStep(() => this.check());
  }

  /** True time since the fleet's start. */
  get elapsed(): number {
    return this.#time.nowMs - this.#startMs;
  }

  start(id: string, options: MemberOptions = {}): FleetMember {
    const clock = this.#time.clock({ skewMs: options.skewMs ?? 0 });
    const manager = new LeaseManager({
      workerId: id,
      subAccounts: this.#subAccounts,
      store: new WorkerNetwork(this.#store, clock, this.#calls, options),
      leasePeriodMs: this.#leasePeriodMs,
      now: clock.now,
      monotonicNow: clock.monotonicNow,
      timers: clock.timers,
    });
    const member: FleetMember = {
      id,
      clock,
      manager,
      binds: new Set(),
      startedAt: this.elapsed,
      killed: false,
    };
    manager.on('acquired', ({ subAccount, slot, fence }) => {
      const key = `${subAccount}#${slot}`;
      for (const other of this.members.values()) {
        if (other !== member && other.manager.holds(subAccount, slot))
          this.violations.push(`${this.elapsed}: ${id} acquired ${key} while ${other.id} holds it`);
      }
      const last = this.#lastFence.get(key) ?? 0;
      if (fence <= last) this.violations.push(`${this.elapsed}: ${key} fence ${fence} after ${last}`);
      this.#lastFence.set(key, fence);
      this.acquisitions.push({ at: this.elapsed, member: id, subAccount, slot, fence });
      member.binds.add(key);
    });
    manager.on('lost', (loss) => {
      member.binds.delete(`${loss.subAccount}#${loss.slot}`);
      this.losses.push({ at: this.elapsed, member: id, loss });
    });
    manager.on('releasing', ({ subAccount, slot, unbound }) => {
      clock.schedule(options.unbindMs ?? 50, () => {
        member.binds.delete(`${subAccount}#${slot}`);
        unbound();
      });
    });
    this.members.set(id, member);
    manager.start();
    return member;
  }

  /** SIGTERM done right: stop, close every bind, release everything. Drives fake time while it runs. */
  async stopCleanly(member: FleetMember): Promise<void> {
    await this.#time.settleWith(member.manager.stop());
    member.binds.clear();
    await this.#time.settleWith(member.manager.releaseAll());
  }

  /** The process dies: its sockets close, its timers and requests never run again. */
  kill(member: FleetMember): void {
    member.clock.freeze();
    member.killed = true;
    member.binds.clear();
  }

  /** Slots each worker holds (holds() true) for a sub-account. */
  holdings(subAccount: string): Map<string, number[]> {
    const cap = this.#cap(subAccount);
    return new Map(
      [...this.members.values()].map((member) => [
        member.id,
        Array.from({ length: cap }, (_, slot) => slot).filter((slot) =>
          member.manager.holds(subAccount, slot),
        ),
      ]),
    );
  }

  /** Sorted holding counts of the given members. */
  counts(subAccount: string, members: readonly FleetMember[]): number[] {
    const holdings = this.holdings(subAccount);
    return members.map((member) => holdings.get(member.id)?.length ?? 0).sort((a, b) => a - b);
  }

  check(): void {
    this.checks += 1;
    const members = [...this.members.values()];
    for (const { id: subAccount, bindCap } of this.#subAccounts) {
      let held = 0;
      let openBinds = 0;
      for (let slot = 0; slot < bindCap + 1; slot += 1) {
        const holders = members.filter((member) => member.manager.holds(subAccount, slot)).map((m) => m.id);
        if (holders.length > 1)
          this.violations.push(`${this.elapsed}: ${subAccount}#${slot} held by ${holders}`);
        if (slot >= bindCap && holders.length > 0)
          this.violations.push(`${this.elapsed}: ${subAccount}#${slot} is beyond the cap`);
        held += holders.length;
      }
      if (held > bindCap)
        this.violations.push(`${this.elapsed}: ${subAccount} has ${held} > ${bindCap} held`);
      for (const member of members) {
        // A frozen worker runs no code, so it submits nothing, but its socket is still open: 8x8 may count
        // it until it notices (the new holder's bind is refused and retried meanwhile). Once thawed, it must
        // close it as soon as its overdue timers have run; its holds() is already false before that.
        if (member.clock.frozen || this.#time.overdueTimers(member.clock) > 0) continue;
        for (const key of member.binds) {
          if (!key.startsWith(`${subAccount}#`)) continue;
          openBinds += 1;
          const slot = Number(key.slice(subAccount.length + 1));
          if (!member.manager.holds(subAccount, slot))
            this.violations.push(`${this.elapsed}: ${member.id} has a bind open on ${key} without the lease`);
        }
      }
      if (openBinds > bindCap)
        this.violations.push(`${this.elapsed}: ${subAccount} has ${openBinds} binds open, cap ${bindCap}`);
    }
    if (this.violations.length > 0)
      throw new Error(`lease invariants broken:\n${this.violations.join('\n')}`);
  }

  #cap(subAccount: string): number {
    const account = this.#subAccounts.find((a) => a.id === subAccount);
    if (account === undefined) throw new Error(`unknown sub-account ${subAccount}`);
    return account.bindCap;
  }
}
