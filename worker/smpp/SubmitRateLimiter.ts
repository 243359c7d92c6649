/**
 * Per-bind submit limiter: never more than `ratePerWindow` (= ratePerSecond × windowMs / 1000) grants in any
 * sliding window of `windowMs`.
 *
 * It keeps the times of the last `ratePerWindow` grants in a ring buffer. A grant at `now` is allowed iff
 * fewer than `ratePerWindow` of them lie in (now − windowMs − safetyMarginMs, now], i.e. iff the oldest of
 * the last `ratePerWindow` grants is at or before now − windowMs − safetyMarginMs. A token bucket is not
 * used on purpose: a full bucket plus its refill lets twice the rate through across a window boundary, and
 * the SMSC answers that with ESME_RTHROTTLED.
 *
 * Times are milliseconds from a monotonic clock (e.g. `performance.now()`), injected by the caller, and
 * must not go backwards; a time before the last grant is refused until that grant's time.
 */

export interface SubmitRateLimiterOptions {
  /** The agreed rate (8x8: about 50 per bind). ratePerSecond × windowMs / 1000 must be a whole number. */
  readonly ratePerSecond: number;
  /** The window the SMSC counts over. @default 1000 */
  readonly windowMs?: number;
  /**
   * Added to the window when counting. The SMSC counts by arrival time, and network or event-loop jitter
   * can bring two sends closer together than we sent them; the margin absorbs that.
   * @default 20
   */
  readonly safetyMarginMs?: number;
  /**
   * Least time between two grants, so a backlog goes out spread over half the window instead of as one
   * burst per window (bursts fill the SMSC's queue and make any clock skew between us and it count
   * double). Must be at most 1000 / ratePerSecond, or the rate could never be reached.
   * @default 1000 / ratePerSecond / 2 (10 ms at 50/s)
   */
  readonly minSpacingMs?: number;
}

export type RateDecision = { granted: true } | { granted: false; retryAtMs: number };

export class SubmitRateLimiter {
  /** Most grants in any window of `windowMs`. */
  readonly ratePerWindow: number;
  readonly windowMs: number;
  readonly safetyMarginMs: number;
  readonly minSpacingMs: number;

  /** Times of the last `ratePerWindow` grants; `next` is the oldest once the ring is full. */
  private readonly grants: number[];
  private next = 0;
  private count = 0;
  private lastGrantMs = Number.NEGATIVE_INFINITY;
  private pausedUntilMs = Number.NEGATIVE_INFINITY;

  constructor(options: SubmitRateLimiterOptions) {
    const { ratePerSecond } = options;
    const windowMs = options.windowMs ?? 1000;
    const safetyMarginMs = options.safetyMarginMs ?? 20;
    // Built-in RangeError: a bad option is a wiring bug caught at start-up, the config schema checks first.
    if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
      throw new RangeError(`ratePerSecond must be a positive number; got ${ratePerSecond}`);
    }
    if (!Number.isFinite(windowMs) || windowMs <= 0) {
      throw new RangeError(`windowMs must be a positive number; got ${windowMs}`);
    }
    const ratePerWindow = Math.round((ratePerSecond * windowMs) / 1000);
    if (ratePerWindow < 1 || Math.abs(ratePerWindow - (ratePerSecond * windowMs) / 1000) > 1e-9) {
      throw new RangeError(
        `ratePerSecond × windowMs / 1000 must be a positive whole number of submits; got ${ratePerSecond} × ${windowMs} / 1000`,
      );
    }
    if (!Number.isFinite(safetyMarginMs) || safetyMarginMs < 0) {
      throw new RangeError(`safetyMarginMs must be a non-negative number; got ${safetyMarginMs}`);
    }
    const minSpacingMs = options.minSpacingMs ?? windowMs / ratePerWindow / 2;
    if (!Number.isFinite(minSpacingMs) || minSpacingMs < 0 || minSpacingMs > windowMs / ratePerWindow) {
      throw new RangeError(
        `minSpacingMs must be between 0 and 1000 / ratePerSecond (${windowMs / ratePerWindow}); got ${minSpacingMs}`,
      );
    }
    this.ratePerWindow = ratePerWindow;
    this.windowMs = windowMs;
    this.safetyMarginMs = safetyMarginMs;
    this.minSpacingMs = minSpacingMs;
    this.grants = new Array<number>(ratePerWindow).fill(0);
  }

  /**
   * Grants one submit at `nowMs` and records it, or refuses without changing anything and says the
   * earliest time a grant is possible (exact: asking then succeeds unless `pauseUntil` moved it).
   */
  tryAcquire(nowMs: number): RateDecision {
    const earliest = this.earliestGrantMs();
    if (nowMs < earliest) return { granted: false, retryAtMs: earliest };
    this.grants[this.next] = nowMs;
    this.next = (this.next + 1) % this.ratePerWindow;
    if (this.count < this.ratePerWindow) this.count += 1;
    this.lastGrantMs = nowMs;
    return { granted: true };
  }

  /** Refuses every grant before `timeMs` (after ESME_RTHROTTLED). A shorter pause never cuts a longer one. */
  pauseUntil(timeMs: number): void {
    if (timeMs > this.pausedUntilMs) this.pausedUntilMs = timeMs;
  }

  /** The earliest time the next grant is possible, whatever the caller's clock says now. */
  earliestGrantMs(): number {
    let earliest = Math.max(this.pausedUntilMs, this.lastGrantMs + this.minSpacingMs, this.lastGrantMs);
    if (this.count === this.ratePerWindow) {
      const oldest = this.grants[this.next]!;
      earliest = Math.max(earliest, oldest + this.windowMs + this.safetyMarginMs);
    }
    return earliest;
  }
}
