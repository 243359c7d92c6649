/**
 * Fake time for lease tests: one "true time" that the test moves forward, and per-worker clocks on it with
 * their own skew, that can be frozen (a paused process: its timers do not fire, and nothing it scheduled —
 * including its store calls in the integration harness — runs until it is thawed).
 *
 * advance() fires timers in due order, setting true time to each one's due time, and after each instant's
 * timers awaits `settle` (the managers' pending work: promise chains here, real emulator calls in the
 * integration tests) and runs the step hooks (the invariant checks). Nothing sleeps.
 */
import type { LeaseTimers } from '../../../worker/leases/LeaseManager.js';

interface FakeTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly owner: FakeClock | undefined;
  readonly callback: () => void;
}

export interface FakeTimeOptions {
  /** Awaited after every fired timer. @default a few macrotask turns */
  settle?: () => Promise<void>;
}

export class FakeTime {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, FakeTimer>();
  readonly #settle: () => Promise<void>;
  readonly #hooks: (() => void)[] = [];

  constructor(startMs: number, options: FakeTimeOptions = {}) {
    this.#now = startMs;
    this.#settle = options.settle ?? flushMacrotasks;
  }

  /** True time, epoch ms. */
  get nowMs(): number {
    return this.#now;
  }

  clock(options: { skewMs?: number } = {}): FakeClock {
    return new FakeClock(this, options.skewMs ?? 0);
  }

  /** Runs after every fired timer (once its work settled) and at the end of every advance. */
  onStep(hook: () => void): void {
    this.#hooks.push(hook);
  }

  schedule(owner: FakeClock | undefined, delayMs: number, callback: () => void): number {
    const id = this.#nextId++;
    this.#timers.set(id, { id, dueAt: this.#now + Math.max(0, delayMs), owner, callback });
    return id;
  }

  cancel(id: unknown): void {
    if (typeof id === 'number') this.#timers.delete(id);
  }

  /** Timers of `owner` whose time has passed: a thawed worker that has not caught up yet. */
  overdueTimers(owner: FakeClock): number {
    return [...this.#timers.values()].filter((timer) => timer.owner === owner && timer.dueAt < this.#now)
      .length;
  }

  /**
   * Awaits work that needs no time to pass (calls answered at once), firing what becomes due meanwhile.
   * Fails instead of hanging if it still waits on a timer in the future.
   */
  async settleWith<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const watched = work.finally(() => {
      done = true;
    });
    for (let round = 0; round < 1_000 && !done; round += 1) await this.advance(0);
    if (!done) throw new Error('fake time: the awaited work needs time to pass (or hangs)');
    return watched;
  }

  pendingTimers(owner?: FakeClock): number {
    return [...this.#timers.values()].filter((timer) => owner === undefined || timer.owner === owner).length;
  }

  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }

  async advanceTo(targetMs: number): Promise<void> {
    for (let fired = 0; ; fired += 1) {
      if (fired > 100_000)
        throw new Error('fake time: more than 100,000 timers in one advance (a timer loop?)');
      const next = this.#nextDue(targetMs);
      if (next === undefined) break;
      // A thawed clock's overdue timers fire now, not in the past.
      this.#now = Math.max(this.#now, next.dueAt);
      // Everything due at the same instant runs before the work settles (concurrent requests stay concurrent).
      const batch = [...this.#timers.values()]
        .filter((timer) => timer.dueAt === next.dueAt && timer.owner?.frozen !== true)
        .sort((a, b) => a.id - b.id);
      for (const timer of batch) {
        // An earlier callback of the batch may have cancelled it.
        if (!this.#timers.delete(timer.id)) continue;
        timer.callback();
      }
      await this.#step();
    }
    this.#now = Math.max(this.#now, targetMs);
    await this.#step();
  }

  /** Settles pending work and runs the hooks without moving time (e.g. after start()). */
  async flush(): Promise<void> {
    await this.advance(0);
  }

  #nextDue(targetMs: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.dueAt > targetMs || timer.owner?.frozen === true) continue;
      if (
        best === undefined ||
        timer.dueAt < best.dueAt ||
        (timer.dueAt === best.dueAt && timer.id < best.id)
      )
        best = timer;
    }
    return best;
  }

  async #step(): Promise<void> {
    await this.#settle();
    for (const hook of this.#hooks) hook();
  }
}

export class FakeClock {
  /** A frozen clock's timers wait; its time keeps running (a paused process wakes to a later clock). */
  frozen = false;
  readonly #time: FakeTime;
  skewMs: number;

  constructor(time: FakeTime, skewMs: number) {
    this.#time = time;
    this.skewMs = skewMs;
  }

  /** Wall clock: true time plus this worker's skew. */
  readonly now = (): number => this.#time.nowMs + this.skewMs;
  readonly monotonicNow = (): number => this.#time.nowMs;
  readonly timers: LeaseTimers = {
    setTimeout: (callback, ms) => this.#time.schedule(this, ms, callback),
    clearTimeout: (handle) => this.#time.cancel(handle),
  };

  /** Schedules on this clock (frozen with it), for harness code that runs "inside" this worker. */
  schedule(delayMs: number, callback: () => void): number {
    return this.#time.schedule(this, delayMs, callback);
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
  }
}

export async function flushMacrotasks(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
