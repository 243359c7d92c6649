/**
 * Capped exponential backoff with jitter, as a replaceable strategy `(attempt) => delayMs` (the shape of
 * ioredis' `retryStrategy`). Jitter keeps a fleet of workers that lost 8x8 at the same moment from
 * reconnecting in lockstep.
 */

export type Jitter = 'full' | 'equal';

export interface ExponentialBackoffOptions {
  /** Delay before jitter for attempt 0. */
  readonly initialMs: number;
  /** No delay is ever longer than this. */
  readonly maxMs: number;
  /** @default 2 */
  readonly multiplier?: number;
  /**
   * 'full': uniform in [0, base): spreads retries most, but may retry at once.
   * 'equal': uniform in [base/2, base): keeps at least half the wait, for retries that must not be hot.
   */
  readonly jitter: Jitter;
  /** Uniform in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export type BackoffStrategy = (attempt: number) => number;

/**
 * Returns the delay in whole milliseconds before retry number `attempt` (0 for the first retry): the base
 * is min(maxMs, initialMs × multiplier^attempt), then jittered downwards, so it never exceeds maxMs.
 */
export function exponentialBackoff(options: ExponentialBackoffOptions): BackoffStrategy {
  const { initialMs, maxMs, jitter } = options;
  const multiplier = options.multiplier ?? 2;
  const random = options.random ?? Math.random;
  // Built-in RangeError: these are wiring bugs, caught the first time the code runs.
  if (!Number.isFinite(initialMs) || initialMs <= 0) {
    throw new RangeError(`initialMs must be a positive number; got ${initialMs}`);
  }
  if (!Number.isFinite(maxMs) || maxMs < initialMs) {
    throw new RangeError(`maxMs must be a number no smaller than initialMs (${initialMs}); got ${maxMs}`);
  }
  if (!Number.isFinite(multiplier) || multiplier < 1) {
    throw new RangeError(`multiplier must be a number of at least 1; got ${multiplier}`);
  }
  if (jitter !== 'full' && jitter !== 'equal') throw new RangeError(`unknown jitter "${String(jitter)}"`);

  return (attempt: number): number => {
    if (!Number.isInteger(attempt) || attempt < 0) {
      throw new RangeError(`attempt must be a non-negative integer; got ${attempt}`);
    }
    // Math.min also absorbs Infinity from a huge attempt number.
    const base = Math.min(maxMs, initialMs * multiplier ** attempt);
    // Clamp so a random() that returns exactly 1 (or a bad injected one) still stays within the bounds.
    const r = Math.min(Math.max(random(), 0), 1);
    const delay = jitter === 'full' ? base * r : base / 2 + (base / 2) * r;
    return Math.min(maxMs, Math.floor(delay));
  };
}
