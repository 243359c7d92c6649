import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SubmitRateLimiter, type SubmitRateLimiterOptions } from '../../../worker/smpp/SubmitRateLimiter.js';

/**
 * Most (sorted) times in any half-open window (t − spanMs, t], the SMSC's own convention. Written as
 * `start + span <= end`, the same arithmetic as the limiter, so fractional times do not differ by a rounding.
 */
function maxInAnyWindow(times: readonly number[], spanMs: number): number {
  let max = 0;
  let start = 0;
  for (let end = 0; end < times.length; end += 1) {
    while (times[start]! + spanMs <= times[end]!) start += 1;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

/** A plain assertion for hot loops, where expect() would dominate the run time. */
function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/**
 * A bind with a backlog against an SMSC on a fake clock that never lags: the pump asks at exactly the
 * limiter's retryAtMs (or every `stepMs`), each submit reaches the SMSC `oneWayMs` after it is sent (never
 * before the one sent ahead of it, as over TCP) or when a stall ends, and its resp comes `returnMs` later.
 * Returns the send and arrival times of every grant.
 */
function runBacklog(
  limiter: SubmitRateLimiter,
  untilMs: number,
  network: {
    oneWayMs?: number;
    returnMs?: number;
    stepMs?: number;
    stalls?: [from: number, to: number][];
  } = {},
): { sent: number[]; arrived: number[] } {
  const { oneWayMs = 0, returnMs = 0, stepMs, stalls = [] } = network;
  const sent: number[] = [];
  const arrived: number[] = [];
  const resps: { grant: number; at: number }[] = [];
  let now = 0;
  while (now < untilMs) {
    while (resps.length > 0 && resps[0]!.at <= now) {
      const resp = resps.shift()!;
      limiter.answered(resp.grant, resp.at);
    }
    const decision = limiter.tryAcquire(now);
    if (decision.granted) {
      let arrival = Math.max(now + oneWayMs, arrived.at(-1) ?? Number.NEGATIVE_INFINITY);
      for (const [from, to] of stalls) if (arrival >= from && arrival < to) arrival = to;
      sent.push(now);
      arrived.push(arrival);
      resps.push({ grant: decision.grant, at: arrival + returnMs });
      continue;
    }
    const next = stepMs === undefined ? decision.retryAtMs : now + stepMs;
    now = resps.length > 0 ? Math.min(next, Math.max(now, resps[0]!.at)) : next;
  }
  return { sent, arrived };
}

const options = fc.record({
  ratePerWindow: fc.integer({ min: 1, max: 100 }),
  windowMs: fc.integer({ min: 50, max: 2000 }),
  minMarginMs: fc.integer({ min: 0, max: 50 }),
  spacing: fc.oneof(fc.constant(undefined), fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
});

const toLimiterOptions = (o: {
  ratePerWindow: number;
  windowMs: number;
  minMarginMs: number;
  spacing: number | undefined;
}): SubmitRateLimiterOptions => ({
  ratePerSecond: (o.ratePerWindow * 1000) / o.windowMs,
  windowMs: o.windowMs,
  minMarginMs: o.minMarginMs,
  // spacing is a fraction of the largest allowed value
  ...(o.spacing === undefined ? {} : { spacingMs: (o.spacing * o.windowMs) / o.ratePerWindow }),
});

type Step =
  | { kind: 'advance'; ms: number }
  | { kind: 'try'; demand: number }
  | { kind: 'waitForRetry' }
  | { kind: 'pause'; ms: number }
  | { kind: 'answer'; back: number; lateMs: number }
  | { kind: 'throttle'; back: number };

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
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('answer' as const),
      back: fc.integer({ min: 1, max: 120 }),
      lateMs: fc.integer({ min: 0, max: 500 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('throttle' as const), back: fc.integer({ min: 1, max: 120 }) }),
  },
);

describe('SubmitRateLimiter', () => {
  it('spreads a backlog evenly over the window, one grant per 1000 / rate ms, instead of a burst', () => {
    const limiter = new SubmitRateLimiter({ ratePerSecond: 50 });
    const atOnce = Array.from({ length: 50 }, () => limiter.tryAcquire(0).granted);
    expect(atOnce.filter(Boolean)).toHaveLength(1);

    const { sent } = runBacklog(new SubmitRateLimiter({ ratePerSecond: 50 }), 1003);
    expect(sent.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => i * 20));
    // The 51st waits for the first to be a window plus the (narrow) margin behind.
    expect(sent[50]).toBe(1002);
  });

  it('catches up a grant whose timer fired late instead of pushing every later grant back', () => {
    const limiter = new SubmitRateLimiter({ ratePerSecond: 50 });
    expect(limiter.tryAcquire(0).granted).toBe(true);
    expect(limiter.tryAcquire(27).granted).toBe(true); // due at 20, 7 ms late
    expect(limiter.tryAcquire(39)).toEqual({ granted: false, retryAtMs: 40 });
    expect(limiter.tryAcquire(40).granted).toBe(true);
    // More than catchUpMs (10 ms) behind: the schedule restarts from there.
    expect(limiter.tryAcquire(100).granted).toBe(true);
    expect(limiter.tryAcquire(119)).toEqual({ granted: false, retryAtMs: 120 });
  });

  it('refuses the 51st send until the window plus the margin has passed since the first', () => {
    const limiter = new SubmitRateLimiter({ ratePerSecond: 50, spacingMs: 0 });
    for (let i = 0; i < 50; i += 1) expect(limiter.tryAcquire(999).granted).toBe(true);
    expect(limiter.tryAcquire(1000)).toEqual({ granted: false, retryAtMs: 2001 });
    expect(limiter.tryAcquire(2000.9).granted).toBe(false);
    expect(limiter.tryAcquire(2001).granted).toBe(true);
  });

  it('never lets 2x the rate through across a window boundary, unlike a full token bucket', () => {
    const limiter = new SubmitRateLimiter({ ratePerSecond: 10, spacingMs: 0, minMarginMs: 0 });
    const grants: number[] = [];
    for (const t of [990, 990, 990, 990, 990, 990, 990, 990, 990, 990, 1000, 1000, 1500, 1989, 1990]) {
      if (limiter.tryAcquire(t).granted) grants.push(t);
    }
    expect(grants.filter((t) => t < 1990)).toHaveLength(10);
    expect(grants).toContain(1990);
  });

  it('reaches the full rate under a backlog when the clock never lags: 50 per window plus the 2 ms margin', () => {
    const { sent, arrived } = runBacklog(new SubmitRateLimiter({ ratePerSecond: 50 }), 60_000, {
      oneWayMs: 0.5,
      returnMs: 0.5,
    });
    const perSecond = sent.length / 60;
    expect(perSecond).toBeGreaterThan(49.85);
    expect(perSecond).toBeLessThanOrEqual(50);
    expect(maxInAnyWindow(arrived, 1000)).toBe(50);
  });

  it('holds grants back after the SMSC read a bunch late, so it never counts 51 in a sliding second', () => {
    // The SMSC stalls (descheduled, GC) and reads what waited in its socket at once: by the send times the
    // spacing was fine, by the arrival times — what it counts — it was not. The late resps show it.
    const stalls: [number, number][] = [];
    for (let t = 1_500; t < 60_000; t += 2_345) stalls.push([t, t + 15 + (t % 70)]);
    const network = { oneWayMs: 0.3, returnMs: 0.3, stalls };
    const { arrived } = runBacklog(new SubmitRateLimiter({ ratePerSecond: 50 }), 60_000, network);
    expect(maxInAnyWindow(arrived, 1000)).toBeLessThanOrEqual(50);

    // Without the resps (as if the limiter went by its send times only) the same SMSC counts 51 or more.
    const blind = new SubmitRateLimiter({ ratePerSecond: 50 });
    blind.answered = () => {};
    const { arrived: blindArrived } = runBacklog(blind, 60_000, network);
    expect(maxInAnyWindow(blindArrived, 1000)).toBeGreaterThan(50);
  });

  it('keeps the full rate at a 300 ms round trip: a long but steady resp time costs nothing', () => {
    const { sent, arrived } = runBacklog(new SubmitRateLimiter({ ratePerSecond: 50 }), 60_000, {
      oneWayMs: 150,
      returnMs: 150,
    });
    expect(sent.length / 60).toBeGreaterThan(49.85);
    expect(maxInAnyWindow(arrived, 1000)).toBe(50);
  });

  it('widens the margin on a 0x58, once per bunch, and narrows it back a level per quiet decay period', () => {
    const limiter = new SubmitRateLimiter({ ratePerSecond: 50, spacingMs: 0 });
    const grants: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const decision = limiter.tryAcquire(0);
      if (decision.granted) grants.push(decision.grant);
    }
    expect(limiter.marginMs(0)).toBe(2);
    limiter.throttled(grants[0]!, 10);
    expect(limiter.marginMs(10)).toBe(10);
    // Sent before that widening: says nothing about the wider margin.
    limiter.throttled(grants[1]!, 11);
    expect(limiter.marginMs(11)).toBe(10);
    const later = limiter.tryAcquire(20);
    if (!later.granted) throw new Error('expected a grant');
    limiter.throttled(later.grant, 30);
    expect(limiter.marginMs(30)).toBe(26);
    expect(limiter.marginMs(10_029)).toBe(26);
    expect(limiter.marginMs(10_030)).toBe(10);
    expect(limiter.marginMs(20_030)).toBe(2);
    expect(limiter.marginMs(1_000_000)).toBe(2);
  });

  it('never widens past maxMarginMs, and the wider margin holds the next window back by as much', () => {
    const limiter = new SubmitRateLimiter({ ratePerSecond: 10, spacingMs: 0, maxMarginMs: 40 });
    for (let t = 0; t < 10; t += 1) {
      const decision = limiter.tryAcquire(t);
      if (!decision.granted) throw new Error('expected a grant');
      limiter.throttled(decision.grant, t + 0.5);
    }
    expect(limiter.marginMs(10)).toBe(40);
    // The oldest grant went at 0: the next waits for a window plus the whole (capped) margin.
    expect(limiter.earliestGrantMs(10)).toBe(1040);
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
    const limiter = new SubmitRateLimiter({ ratePerSecond: 5, spacingMs: 0 });
    expect(limiter.tryAcquire(100).granted).toBe(true);
    expect(limiter.tryAcquire(50)).toEqual({ granted: false, retryAtMs: 100 });
  });

  it('ignores resps and 0x58s for grants it no longer holds', () => {
    const limiter = new SubmitRateLimiter({ ratePerSecond: 2, spacingMs: 0 });
    for (const t of [0, 0, 1002, 1002]) expect(limiter.tryAcquire(t).granted).toBe(true);
    limiter.answered(0, 5_000); // out of the ring: must not hold the next grant back
    limiter.answered(17, 5_000); // never granted
    limiter.throttled(1, 5_000);
    expect(limiter.marginMs(5_000)).toBe(10); // a 0x58 still widens the margin (nothing says it is stale)
    // Grant 0 shared its slot with grant 2, now the oldest: its late resp must not hold grant 2 back.
    expect(limiter.earliestGrantMs(5_000)).toBe(1002 + 1000 + 10);
  });

  it('rejects options that could never meet the rate or make no sense', () => {
    expect(() => new SubmitRateLimiter({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => new SubmitRateLimiter({ ratePerSecond: 2.5 })).toThrow(/whole number/);
    expect(new SubmitRateLimiter({ ratePerSecond: 2.5, windowMs: 2000 }).ratePerWindow).toBe(5);
    expect(() => new SubmitRateLimiter({ ratePerSecond: 5, windowMs: 0 })).toThrow(/windowMs/);
    expect(() => new SubmitRateLimiter({ ratePerSecond: 5, minMarginMs: -1 })).toThrow(/minMarginMs/);
    expect(() => new SubmitRateLimiter({ ratePerSecond: 5, minMarginMs: 9, maxMarginMs: 8 })).toThrow(
      /maxMarginMs/,
    );
    expect(() => new SubmitRateLimiter({ ratePerSecond: 5, marginDecayMs: 0 })).toThrow(/marginDecayMs/);
    expect(() => new SubmitRateLimiter({ ratePerSecond: 50, spacingMs: 21 })).toThrow(/spacingMs/);
    expect(() => new SubmitRateLimiter({ ratePerSecond: 50, catchUpMs: 21 })).toThrow(/catchUpMs/);
    expect(new SubmitRateLimiter({ ratePerSecond: 50 })).toMatchObject({
      ratePerWindow: 50,
      windowMs: 1000,
      minMarginMs: 2,
      marginStepMs: 8,
      maxMarginMs: 100,
      marginDecayMs: 10_000,
      spacingMs: 20,
      catchUpMs: 10,
    });
  });

  it('over long random schedules never exceeds the rate in any window and grants at retryAtMs', () => {
    fc.assert(
      fc.property(options, fc.array(step, { minLength: 10_000, maxLength: 10_000 }), (o, steps) => {
        const limiter = new SubmitRateLimiter(toLimiterOptions(o));
        const grants: number[] = [];
        let now = 0;
        let pending: { retryAtMs: number; movedSince: boolean } | undefined;

        const acquire = (t: number): boolean => {
          const decision = limiter.tryAcquire(t);
          if (decision.granted) {
            // (A grant before an earlier refusal's retryAtMs is fine: the margin narrows as it decays.)
            grants.push(t);
            pending = undefined;
            return true;
          }
          check(decision.retryAtMs > t, `retryAtMs ${decision.retryAtMs} is not after ${t}`);
          pending = { retryAtMs: decision.retryAtMs, movedSince: false };
          return false;
        };

        for (const s of steps) {
          if (s.kind === 'advance') now += s.ms;
          else if (s.kind === 'pause') {
            limiter.pauseUntil(now + s.ms);
            if (pending) pending.movedSince = true;
          } else if (s.kind === 'answer' || s.kind === 'throttle') {
            // Resps come in any order, for grants still in the ring or long gone, on time or late.
            const grant = grants.length - s.back;
            if (s.kind === 'answer') limiter.answered(grant, now + s.lateMs);
            else limiter.throttled(grant, now);
            if (pending) pending.movedSince = true;
          } else if (s.kind === 'try') {
            for (let i = 0; i < s.demand && acquire(now); i += 1);
          } else if (pending) {
            const { retryAtMs, movedSince } = pending;
            now = Math.max(now, retryAtMs);
            const granted = acquire(now);
            check(granted || movedSince, `refused at retryAtMs ${retryAtMs}`);
          }
        }

        expect(maxInAnyWindow(grants, o.windowMs)).toBeLessThanOrEqual(o.ratePerWindow);
        // Stronger: the limiter keeps the least margin too, whatever the resps said.
        expect(maxInAnyWindow(grants, o.windowMs + o.minMarginMs)).toBeLessThanOrEqual(o.ratePerWindow);
        let closest = Number.POSITIVE_INFINITY;
        for (let i = 1; i < grants.length; i += 1) closest = Math.min(closest, grants[i]! - grants[i - 1]!);
        expect(closest).toBeGreaterThanOrEqual(limiter.spacingMs - limiter.catchUpMs - 1e-9);
        // The schedule really exercised the limit, not just idle time.
        expect(grants.length).toBeGreaterThan(o.ratePerWindow);
      }),
      { numRuns: 30, endOnFailure: true },
    );
  });

  it('under continuous backlog achieves rate x 1000 / (window + margin) per second, to a window', () => {
    fc.assert(
      fc.property(
        options.filter((o) => o.windowMs <= 1000),
        (o) => {
          const limiter = new SubmitRateLimiter(toLimiterOptions(o));
          const { sent } = runBacklog(limiter, 60_000);
          const expected = (o.ratePerWindow * 60_000) / (o.windowMs + o.minMarginMs);
          // The run starts with a whole window's worth: at most one window more than the steady rate.
          expect(sent.length).toBeGreaterThanOrEqual(Math.floor(expected));
          expect(sent.length).toBeLessThanOrEqual(expected + o.ratePerWindow);
          expect(maxInAnyWindow(sent, o.windowMs)).toBeLessThanOrEqual(o.ratePerWindow);
        },
      ),
      { numRuns: 100 },
    );
  });
});
