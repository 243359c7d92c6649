import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SubmitRateLimiter, type SubmitRateLimiterOptions } from '../../../worker/smpp/SubmitRateLimiter.js';

/**
 * Most (sorted) grant times in any half-open window (t − spanMs, t]. Written as `start + span <= end`, the
 * same arithmetic as the limiter, so fractional times do not differ by a rounding error.
 */
function maxInAnyWindow(grants: readonly number[], spanMs: number): number {
  let max = 0;
  let start = 0;
  for (let end = 0; end < grants.length; end += 1) {
    while (grants[start]! + spanMs <= grants[end]!) start += 1;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

/** A plain assertion for hot loops, where expect() would dominate the run time. */
function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** Asks every `stepMs` (a poller) or at retryAtMs (one timer) until `untilMs`, always with work waiting. */
function runBacklog(limiter: SubmitRateLimiter, untilMs: number, stepMs?: number): number[] {
  const grants: number[] = [];
  let now = 0;
  while (now < untilMs) {
    const decision = limiter.tryAcquire(now);
    if (decision.granted) grants.push(now);
    else now = stepMs === undefined ? decision.retryAtMs : now + stepMs;
  }
  return grants;
}

const options = fc.record({
  ratePerWindow: fc.integer({ min: 1, max: 100 }),
  windowMs: fc.integer({ min: 50, max: 2000 }),
  safetyMarginMs: fc.integer({ min: 0, max: 50 }),
  spacing: fc.oneof(fc.constant(undefined), fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
});

const toLimiterOptions = (o: {
  ratePerWindow: number;
  windowMs: number;
  safetyMarginMs: number;
  spacing: number | undefined;
}): SubmitRateLimiterOptions => ({
  ratePerSecond: (o.ratePerWindow * 1000) / o.windowMs,
  windowMs: o.windowMs,
  safetyMarginMs: o.safetyMarginMs,
  // spacing is a fraction of the largest allowed value
  ...(o.spacing === undefined ? {} : { minSpacingMs: (o.spacing * o.windowMs) / o.ratePerWindow }),
});

type Step =
  | { kind: 'advance'; ms: number }
  | { kind: 'try'; demand: number }
  | { kind: 'waitForRetry' }
  | { kind: 'pause'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('try' as const), demand: fc.integer({ min: 1, max: 20 }) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('waitForRetry' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 2000 }) }),
  },
);

describe('SubmitRateLimiter', () => {
  it('lets one request through at a time and spreads a backlog over half the window', () => {
    const limiter = new SubmitRateLimiter({ ratePerSecond: 50 });
    const atOnce = Array.from({ length: 50 }, () => limiter.tryAcquire(0).granted);
    expect(atOnce.filter(Boolean)).toHaveLength(1);

    const grants = runBacklog(new SubmitRateLimiter({ ratePerSecond: 50 }), 1021);
    expect(grants.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => i * 10));
    expect(grants[50]).toBe(1020);
  });

  it('refuses the 51st send until the window plus the safety margin has passed since the first', () => {
    const limiter = new SubmitRateLimiter({ ratePerSecond: 50, minSpacingMs: 0 });
    for (let i = 0; i < 50; i += 1) expect(limiter.tryAcquire(999).granted).toBe(true);
    expect(limiter.tryAcquire(1000)).toEqual({ granted: false, retryAtMs: 2019 });
    expect(limiter.tryAcquire(2018).granted).toBe(false);
    expect(limiter.tryAcquire(2019).granted).toBe(true);
  });

  it('never lets 2x the rate through across a window boundary, unlike a full token bucket', () => {
    const limiter = new SubmitRateLimiter({ ratePerSecond: 10, minSpacingMs: 0, safetyMarginMs: 0 });
    const grants: number[] = [];
    for (const t of [990, 990, 990, 990, 990, 990, 990, 990, 990, 990, 1000, 1000, 1500, 1989, 1990]) {
      if (limiter.tryAcquire(t).granted) grants.push(t);
    }
    expect(grants.filter((t) => t < 1990)).toHaveLength(10);
    expect(grants).toContain(1990);
  });

  it('pauseUntil blocks every grant until then, and a shorter pause does not cut a longer one', () => {
    const limiter = new SubmitRateLimiter({ ratePerSecond: 50 });
    expect(limiter.tryAcquire(0).granted).toBe(true);
    limiter.pauseUntil(1500);
    limiter.pauseUntil(800);
    expect(limiter.tryAcquire(100)).toEqual({ granted: false, retryAtMs: 1500 });
    expect(limiter.tryAcquire(1499).granted).toBe(false);
    expect(limiter.tryAcquire(1500).granted).toBe(true);
  });

  it('refuses a time earlier than the last grant (clock went backwards)', () => {
    const limiter = new SubmitRateLimiter({ ratePerSecond: 5, minSpacingMs: 0 });
    expect(limiter.tryAcquire(100).granted).toBe(true);
    expect(limiter.tryAcquire(50)).toEqual({ granted: false, retryAtMs: 100 });
  });

  it('rejects options that could never meet the rate or make no sense', () => {
    expect(() => new SubmitRateLimiter({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => new SubmitRateLimiter({ ratePerSecond: 2.5 })).toThrow(/whole number/);
    expect(new SubmitRateLimiter({ ratePerSecond: 2.5, windowMs: 2000 }).ratePerWindow).toBe(5);
    expect(() => new SubmitRateLimiter({ ratePerSecond: 5, windowMs: 0 })).toThrow(/windowMs/);
    expect(() => new SubmitRateLimiter({ ratePerSecond: 5, safetyMarginMs: -1 })).toThrow(/safetyMarginMs/);
    expect(() => new SubmitRateLimiter({ ratePerSecond: 50, minSpacingMs: 21 })).toThrow(/minSpacingMs/);
    expect(new SubmitRateLimiter({ ratePerSecond: 50 })).toMatchObject({
      ratePerWindow: 50,
      windowMs: 1000,
      safetyMarginMs: 20,
      minSpacingMs: 10,
    });
  });

  it('achieves the default rate within 3% under a 60 s backlog polled every millisecond', () => {
    const grants = runBacklog(new SubmitRateLimiter({ ratePerSecond: 50 }), 60_000, 1);
    const expected = (50 * 60_000) / 1020;
    expect(Math.abs(grants.length - expected) / expected).toBeLessThan(0.03);
    expect(maxInAnyWindow(grants, 1000)).toBeLessThanOrEqual(50);
  });

  it('over long random schedules never exceeds the rate in any window and keeps retryAtMs exact', () => {
    fc.assert(
      fc.property(options, fc.array(step, { minLength: 10_000, maxLength: 10_000 }), (o, steps) => {
        const limiter = new SubmitRateLimiter(toLimiterOptions(o));
        const grants: number[] = [];
        let now = 0;
        let notBefore = Number.NEGATIVE_INFINITY;
        let pending: { retryAtMs: number; pausedSince: boolean } | undefined;

        const acquire = (t: number): boolean => {
          const decision = limiter.tryAcquire(t);
          if (decision.granted) {
            // A refusal promised nothing earlier than its retryAtMs.
            check(t >= notBefore, `granted at ${t}, before the promised ${notBefore}`);
            grants.push(t);
            notBefore = Number.NEGATIVE_INFINITY;
            pending = undefined;
            return true;
          }
          check(decision.retryAtMs > t, `retryAtMs ${decision.retryAtMs} is not after ${t}`);
          notBefore = Math.max(notBefore, decision.retryAtMs);
          pending = { retryAtMs: decision.retryAtMs, pausedSince: false };
          return false;
        };

        for (const s of steps) {
          if (s.kind === 'advance') now += s.ms;
          else if (s.kind === 'pause') {
            limiter.pauseUntil(now + s.ms);
            if (pending) pending.pausedSince = true;
          } else if (s.kind === 'try') {
            for (let i = 0; i < s.demand && acquire(now); i += 1);
          } else if (pending) {
            const { retryAtMs, pausedSince } = pending;
            if (retryAtMs - 1 >= now) {
              check(!limiter.tryAcquire(retryAtMs - 1).granted, `granted 1 ms before retryAtMs ${retryAtMs}`);
            }
            now = retryAtMs;
            const granted = acquire(now);
            check(granted || pausedSince, `refused at retryAtMs ${retryAtMs}`);
          }
        }

        expect(maxInAnyWindow(grants, o.windowMs)).toBeLessThanOrEqual(o.ratePerWindow);
        // Stronger: the limiter keeps the margin too.
        expect(maxInAnyWindow(grants, o.windowMs + o.safetyMarginMs)).toBeLessThanOrEqual(o.ratePerWindow);
        let closest = Number.POSITIVE_INFINITY;
        for (let i = 1; i < grants.length; i += 1) closest = Math.min(closest, grants[i]! - grants[i - 1]!);
        expect(closest).toBeGreaterThanOrEqual(limiter.minSpacingMs - 1e-9);
        // The schedule really exercised the limit, not just idle time.
        expect(grants.length).toBeGreaterThan(o.ratePerWindow);
      }),
      { numRuns: 30, endOnFailure: true },
    );
  });

  it('under continuous backlog achieves rate x 1000 / (window + margin) per second within 3%', () => {
    fc.assert(
      fc.property(
        options.filter((o) => o.windowMs <= 1000),
        (o) => {
          const limiter = new SubmitRateLimiter(toLimiterOptions(o));
          const grants = runBacklog(limiter, 60_000);
          const expected = (o.ratePerWindow * 60_000) / (o.windowMs + o.safetyMarginMs);
          expect(Math.abs(grants.length - expected) / expected).toBeLessThan(0.03);
          expect(maxInAnyWindow(grants, o.windowMs)).toBeLessThanOrEqual(o.ratePerWindow);
        },
      ),
      { numRuns: 100 },
    );
  });
});
