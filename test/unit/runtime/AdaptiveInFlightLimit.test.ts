/**
 * The prefetch a worker holds shrinks while its store is slow or failing and grows back once it is quick:
 * a worker that kept claiming seconds of messages from a struggling store would time out its own calls and
 * miss lease renewals. Time comes from a fake clock.
 */
import { describe, expect, it } from 'vitest';
import {
  AdaptiveInFlightLimit,
  type InFlightLimitChange,
} from '../../../worker/runtime/AdaptiveInFlightLimit.js';

function limitWithClock(options: ConstructorParameters<typeof AdaptiveInFlightLimit>[0] = {}) {
  let now = 0;
  const limit = new AdaptiveInFlightLimit({ ...options, now: () => now });
  const changes: InFlightLimitChange[] = [];
  limit.onChange = (change) => changes.push(change);
  return {
    limit,
    changes,
    /** One adjustment period of `calls` store calls taking `latencyMs` each. */
    period(calls: number, latencyMs: number, failures = 0) {
      for (let i = 0; i < calls; i += 1) limit.observe(latencyMs, i < failures);
      now += 500;
      return limit.fraction;
    },
  };
}

describe('AdaptiveInFlightLimit', () => {
  it('starts slow: a fresh worker holds 20 of a full 800 prefetch', () => {
    const { limit } = limitWithClock();
    expect(limit.limit(800)).toBe(20);
  });

  it('grows by a quarter each period while the slowest tenth of calls is quick, up to the full prefetch', () => {
    const { limit, period } = limitWithClock();
    const fractions: number[] = [];
    for (let i = 0; i < 30; i += 1) fractions.push(period(20, 50));
    expect(fractions[0]).toBeCloseTo(0.025 * 1.25, 10);
    expect(fractions[1]).toBeCloseTo(0.025 * 1.25 ** 2, 10);
    expect(fractions.every((f, i) => i === 0 || f >= (fractions[i - 1] ?? 0))).toBe(true);
    expect(limit.limit(800)).toBe(800);
  });

  it('shrinks to 70 % when the slowest tenth passes the high mark, and never below the floor', () => {
    const { limit, period, changes } = limitWithClock({ initialFraction: 1 });
    period(20, 50);
    period(20, 900);
    expect(limit.fraction).toBeCloseTo(0.7, 10);
    for (let i = 0; i < 40; i += 1) period(20, 900);
    expect(limit.fraction).toBe(0.02);
    expect(limit.limit(800)).toBe(16);
    expect(changes[0]).toMatchObject({ from: 1, to: 0.7, failures: 0 });
    expect(changes[0]?.slowestTenthMs).toBe(900);
  });

  it('shrinks on a single capacity failure even when the other calls were quick', () => {
    const { limit, period, changes } = limitWithClock({ initialFraction: 0.5 });
    period(1, 10, 1);
    expect(limit.fraction).toBeCloseTo(0.35, 10);
    expect(changes.at(-1)?.failures).toBe(1);
  });

  it('holds steady between the low and high marks, and waits for enough samples before judging latency', () => {
    const { limit, period, changes } = limitWithClock({ initialFraction: 0.5 });
    period(20, 400);
    period(3, 10);
    expect(limit.fraction).toBe(0.5);
    expect(changes).toEqual([]);
  });

  it('judges by the slowest tenth, so one slow call among many quick ones does not shrink it', () => {
    let now = 0;
    const judged = new AdaptiveInFlightLimit({ initialFraction: 0.5, now: () => now });
    for (let i = 0; i < 19; i += 1) judged.observe(20, false);
    judged.observe(5_000, false);
    now += 500;
    expect(judged.fraction).toBeCloseTo(0.625, 10);
  });

  it('never gives less than one message while there is any prefetch, and none when there is none', () => {
    const { limit } = limitWithClock({ minFraction: 0.02, initialFraction: 0.02 });
    expect(limit.limit(10)).toBe(1);
    expect(limit.limit(0)).toBe(0);
  });

  it('refuses settings that could not work', () => {
    expect(() => new AdaptiveInFlightLimit({ lowLatencyMs: 700, highLatencyMs: 600 })).toThrow(
      /lowLatencyMs/,
    );
    expect(() => new AdaptiveInFlightLimit({ minFraction: 0 })).toThrow(/minFraction/);
    expect(() => new AdaptiveInFlightLimit({ minFraction: 0.5, initialFraction: 0.1 })).toThrow(
      /initialFraction/,
    );
  });
});
