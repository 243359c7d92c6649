import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from '../../../core/backoff.js';

const almostOne = () => 1 - Number.EPSILON;

describe('exponentialBackoff', () => {
  it('starts at initialMs for attempt 0 and doubles by default up to the cap', () => {
    const delay = exponentialBackoff({ initialMs: 100, maxMs: 1000, jitter: 'equal', random: almostOne });
    expect([0, 1, 2, 3, 4, 5, 50].map(delay)).toEqual([99, 199, 399, 799, 999, 999, 999]);
  });

  it('uses the given multiplier', () => {
    const delay = exponentialBackoff({
      initialMs: 10,
      maxMs: 10_000,
      multiplier: 3,
      jitter: 'full',
      random: almostOne,
    });
    expect([0, 1, 2].map(delay)).toEqual([9, 29, 89]);
  });

  it('full jitter spreads delays over [0, base)', () => {
    const low = exponentialBackoff({ initialMs: 100, maxMs: 1000, jitter: 'full', random: () => 0 });
    const mid = exponentialBackoff({ initialMs: 100, maxMs: 1000, jitter: 'full', random: () => 0.5 });
    expect(low(3)).toBe(0);
    expect(mid(3)).toBe(400);
  });

  it('equal jitter keeps at least half of the base delay', () => {
    const low = exponentialBackoff({ initialMs: 100, maxMs: 1000, jitter: 'equal', random: () => 0 });
    expect([0, 1, 2, 3, 4, 9].map(low)).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('never exceeds the cap and stays within the jitter bounds for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.constantFrom('full' as const, 'equal' as const),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(2000),
        (initialMs, extra, multiplier, jitter, r, attempt) => {
          const maxMs = initialMs + extra;
          const delay = exponentialBackoff({ initialMs, maxMs, multiplier, jitter, random: () => r })(
            attempt,
          );
          const base = Math.min(maxMs, initialMs * multiplier ** attempt);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeLessThanOrEqual(maxMs);
          expect(delay).toBeGreaterThanOrEqual(jitter === 'full' ? 0 : Math.floor(base / 2));
          expect(delay).toBeLessThanOrEqual(base);
        },
      ),
    );
  });

  it('grows with the attempt number until the cap, for the same random draw', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (r) => {
        const delay = exponentialBackoff({ initialMs: 50, maxMs: 30_000, jitter: 'equal', random: () => r });
        const delays = Array.from({ length: 20 }, (_, attempt) => delay(attempt));
        for (let i = 1; i < delays.length; i += 1) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]!);
      }),
    );
  });

  it('uses Math.random when no random is injected and still stays within bounds', () => {
    const delay = exponentialBackoff({ initialMs: 100, maxMs: 500, jitter: 'full' });
    for (let i = 0; i < 100; i += 1) expect(delay(i % 10)).toBeLessThan(500);
  });

  it('rejects options and attempts that make no sense', () => {
    expect(() => exponentialBackoff({ initialMs: 0, maxMs: 10, jitter: 'full' })).toThrow(/initialMs/);
    expect(() => exponentialBackoff({ initialMs: 100, maxMs: 10, jitter: 'full' })).toThrow(/maxMs/);
    expect(() => exponentialBackoff({ initialMs: 1, maxMs: 10, multiplier: 0.5, jitter: 'full' })).toThrow(
      /multiplier/,
    );
    const delay = exponentialBackoff({ initialMs: 1, maxMs: 10, jitter: 'full' });
    expect(() => delay(-1)).toThrow(/attempt/);
    expect(() => delay(1.5)).toThrow(/attempt/);
  });
});
