/** Rate bookkeeping over arrival timestamps: the limiter's count and the exact busiest window. */

/**
 * Accepted-submit timestamps of one bind. A timestamp t is inside the window ending at `now` when
 * `now - t < windowMs`, the same half-open convention `maxInAnyWindow` uses.
 */
export class SlidingWindowCounter {
  private readonly stamps: number[] = [];
  /** Index of the oldest timestamp still inside the window of the latest `countAt`. */
  private start = 0;

  constructor(readonly windowMs: number) {}

  record(timestamp: number): void {
    this.stamps.push(timestamp);
  }

  /** How many recorded timestamps fall in the window ending at `now`. Assumes `now` does not go back. */
  countAt(now: number): number {
    while (this.start < this.stamps.length && this.stamps[this.start]! <= now - this.windowMs) this.start++;
    return this.stamps.length - this.start;
  }

  get timestamps(): readonly number[] {
    return this.stamps;
  }
}

/**
 * The largest number of timestamps inside any window of `windowMs` (two pointers over the sorted times):
 * for each timestamp as the window's newest, the oldest one kept is the first with `newest - t < windowMs`.
 */
export function maxInAnyWindow(timestamps: readonly number[], windowMs: number): number {
  const sorted = isSorted(timestamps) ? timestamps : [...timestamps].sort((a, b) => a - b);
  let best = 0;
  let oldest = 0;
  for (let newest = 0; newest < sorted.length; newest++) {
    while (sorted[newest]! - sorted[oldest]! >= windowMs) oldest++;
    best = Math.max(best, newest - oldest + 1);
  }
  return best;
}

/**
 * Per whole epoch second, the largest count of any window of `windowMs` whose newest timestamp falls in that
 * second: what the rate rule saw at its busiest in that second (a clock-second count can hide a burst that
 * straddles two seconds; this cannot). Same half-open convention as `maxInAnyWindow`.
 */
export function maxInWindowPerSecond(timestamps: readonly number[], windowMs: number): Map<number, number> {
  const sorted = isSorted(timestamps) ? timestamps : [...timestamps].sort((a, b) => a - b);
  const result = new Map<number, number>();
  let oldest = 0;
  for (let newest = 0; newest < sorted.length; newest++) {
    while (sorted[newest]! - sorted[oldest]! >= windowMs) oldest++;
    const second = Math.floor(sorted[newest]! / 1000);
    const count = newest - oldest + 1;
    if (count > (result.get(second) ?? 0)) result.set(second, count);
  }
  return result;
}

/** Counts per whole epoch second (`Math.floor(t / 1000)`), in ascending order of second. */
export function countPerSecond(timestamps: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const t of timestamps) {
    const second = Math.floor(t / 1000);
    counts.set(second, (counts.get(second) ?? 0) + 1);
  }
  return new Map([...counts].sort(([a], [b]) => a - b));
}

function isSorted(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) if (values[i]! < values[i - 1]!) return false;
  return true;
}
