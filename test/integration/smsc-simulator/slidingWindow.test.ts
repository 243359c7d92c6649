// Pure helpers behind stats(); they live beside the simulator's tests because only these paths are ours.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatReceiptDate, formatReceiptText } from '../../../local/smsc-simulator/deliveryReceipt.js';
import {
  maxInAnyWindow,
  maxInWindowPerSecond,
  SlidingWindowCounter,
} from '../../../local/smsc-simulator/slidingWindow.js';

/** Brute force: for every timestamp as a window's oldest, count those within the next 1000 ms. */
const bruteMax = (times: readonly number[], windowMs: number): number =>
  Math.max(0, ...times.map((start) => times.filter((t) => t >= start && t - start < windowMs).length));

describe('maxInAnyWindow', () => {
  it('equals a brute-force count over every window, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 200 }), (times) => {
        expect(maxInAnyWindow(times, 1000)).toBe(bruteMax(times, 1000));
      }),
    );
  });

  it('treats the window as half-open: 1000 ms apart are two different windows', () => {
    expect(maxInAnyWindow([0, 999], 1000)).toBe(2);
    expect(maxInAnyWindow([0, 1000], 1000)).toBe(1);
  });
});

describe('maxInWindowPerSecond', () => {
  it('gives each second the busiest window ending in it, and the overall maximum across seconds', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 200 }), (times) => {
        const perSecond = maxInWindowPerSecond(times, 1000);
        expect(Math.max(0, ...perSecond.values())).toBe(bruteMax(times, 1000));
        for (const [second, count] of perSecond) {
          const ending = times.filter((t) => Math.floor(t / 1000) === second);
          const brute = Math.max(
            ...ending.map((end) => times.filter((t) => t <= end && end - t < 1000).length),
          );
          expect(count).toBe(brute);
        }
      }),
    );
  });

  it('sees a burst that straddles two clock seconds, which per-second counts split', () => {
    const times = [
      ...Array.from({ length: 30 }, (_, i) => 900 + i),
      ...Array.from({ length: 30 }, (_, i) => 1000 + i),
    ];
    expect(maxInWindowPerSecond(times, 1000)).toEqual(
      new Map([
        [0, 30],
        [1, 60],
      ]),
    );
  });
});

describe('SlidingWindowCounter', () => {
  it('never lets more than the limit into any window when used as the limiter', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 20 }),
        (gaps, limit) => {
          const counter = new SlidingWindowCounter(1000);
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            if (counter.countAt(now) < limit) counter.record(now);
          }
          expect(maxInAnyWindow(counter.timestamps, 1000)).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });
});

describe('receipt text', () => {
  it('writes dates as YYMMDDhhmm in UTC and pads err to three digits', () => {
    expect(formatReceiptDate(Date.UTC(2027, 0, 2, 3, 4, 59))).toBe('2701020304');
    expect(
      formatReceiptText({
        messageId: 'abc',
        submittedAt: Date.UTC(2027, 0, 2, 3, 4),
        doneAt: Date.UTC(2027, 0, 2, 3, 5),
        outcome: 'expired',
        originalText: 'Hi',
      }),
    ).toBe(
      'id:abc sub:001 dlvrd:000 submit date:2701020304 done date:2701020305 stat:EXPIRED err:036 Text:Hi',
    );
  });
});
