/**
 * How much of its prefetch a worker may hold, adapted to how its message store copes (AIMD on latency).
 *
 * Every message a consumer holds costs store calls (claim, record, receipts, event bookkeeping). When the
 * store slows down — DynamoDB throttling a hot partition, a regional slowdown, or an emulator that serves a
 * few hundred calls a second — a worker that keeps holding "four seconds of sending" only deepens the
 * queue: every call waits longer, calls time out and are retried, receipts go unanswered and come back,
 * and lease renewals (which share the store) miss their deadline, so binds drop. Holding fewer messages
 * instead leaves the rest in SQS (for this worker later, or another), and keeps each call quick.
 *
 * The rule, checked at most every `adjustEveryMs` once `minSamples` calls completed:
 * - a call failed for lack of capacity (timeout, abort, throttling, 5xx), or the slowest tenth of calls
 *   took longer than `highLatencyMs` → the fraction shrinks to 70 % (not below `minFraction`);
 * - the slowest tenth took less than `lowLatencyMs` → it grows by a quarter (up to 1);
 * - in between, it stays.
 * It starts at `initialFraction` (a slow start: a fresh worker facing a full queue does not claim four
 * seconds of messages in one burst). Pure: time and samples come in; SDK plumbing is in storeCallObserver.ts.
 */

export interface AdaptiveInFlightLimitOptions {
  /** @default 600 */
  highLatencyMs?: number;
  /** @default 200 */
  lowLatencyMs?: number;
  /** @default 0.02 */
  minFraction?: number;
  /** @default 0.025 (20 messages of a full 800: four binds at 50/s, four seconds) */
  initialFraction?: number;
  /** @default 500 */
  adjustEveryMs?: number;
  /** Calls that must complete before a latency verdict (a failure decides alone). @default 5 */
  minSamples?: number;
  /** Monotonic ms. @default performance.now */
  now?: () => number;
}

export interface InFlightLimitChange {
  from: number;
  to: number;
  slowestTenthMs: number;
  failures: number;
}

export class AdaptiveInFlightLimit {
  readonly #high: number;
  readonly #low: number;
  readonly #min: number;
  readonly #every: number;
  readonly #minSamples: number;
  readonly #now: () => number;
  #fraction: number;
  #windowStart: number;
  #latencies: number[] = [];
  #failures = 0;
  /** Told of every change (for a log line or a metric). */
  onChange: ((change: InFlightLimitChange) => void) | undefined;

  constructor(options: AdaptiveInFlightLimitOptions = {}) {
    this.#high = options.highLatencyMs ?? 600;
    this.#low = options.lowLatencyMs ?? 200;
    this.#min = options.minFraction ?? 0.02;
    this.#every = options.adjustEveryMs ?? 500;
    this.#minSamples = options.minSamples ?? 5;
    this.#now = options.now ?? (() => performance.now());
    const initial = options.initialFraction ?? 0.025;
    if (!(this.#low > 0 && this.#low < this.#high))
      throw new RangeError('AdaptiveInFlightLimit: need 0 < lowLatencyMs < highLatencyMs');
    if (!(this.#min > 0 && this.#min <= 1))
      throw new RangeError('AdaptiveInFlightLimit: minFraction in (0, 1]');
    if (!(initial >= this.#min && initial <= 1))
      throw new RangeError('AdaptiveInFlightLimit: initialFraction in [minFraction, 1]');
    this.#fraction = initial;
    this.#windowStart = this.#now();
  }

  /** The share of the full prefetch allowed now, in [minFraction, 1]. */
  get fraction(): number {
    this.#adjust();
    return this.#fraction;
  }

  /** `full` scaled down to the current fraction; at least 1 while `full` is at least 1. */
  limit(full: number): number {
    if (full < 1) return 0;
    return Math.max(1, Math.floor(full * this.fraction));
  }

  /** One store call finished: how long it took, and whether it failed for lack of capacity. */
  observe(latencyMs: number, overloaded: boolean): void {
    this.#latencies.push(latencyMs);
    if (overloaded) this.#failures += 1;
    this.#adjust();
  }

  #adjust(): void {
    const now = this.#now();
    if (now - this.#windowStart < this.#every) return;
    if (this.#failures === 0 && this.#latencies.length < this.#minSamples) return;
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const slowestTenth = sorted[Math.floor(sorted.length * 0.9)] ?? 0;
    const from = this.#fraction;
    if (this.#failures > 0 || slowestTenth > this.#high) this.#fraction = Math.max(this.#min, from * 0.7);
    else if (slowestTenth < this.#low) this.#fraction = Math.min(1, from * 1.25);
    const failures = this.#failures;
    this.#latencies = [];
    this.#failures = 0;
    this.#windowStart = now;
    if (this.#fraction !== from)
      this.onChange?.({ from, to: this.#fraction, slowestTenthMs: slowestTenth, failures });
  }
}
