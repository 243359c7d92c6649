import { describe, expect, it } from 'vitest';
import { BindSecondCounter } from '../../../worker/leases/BindSecondCounter.js';

/** A whole second of epoch time, so the arithmetic below reads in seconds. */
const S = 1_800_000_000_000;

describe('BindSecondCounter', () => {
  it('counts accepted submits and 0x58 answers in the whole second they came in, oldest first', () => {
    const counter = new BindSecondCounter({ startedAtMs: S + 200, maxSeconds: 120 });
    for (let i = 0; i < 50; i += 1) counter.accepted(S + 300 + i * 10);
    for (let i = 0; i < 48; i += 1) counter.accepted(S + 1_000 + i * 20);
    counter.throttled(S + 1_500);
    counter.throttled(S + 1_999);
    // Two seconds later: seconds 0, 1 and 2 are whole; the one it is in (3) is not reported.
    expect(counter.counts(S + 3_400)).toEqual({
      endMs: S + 3_000,
      accepted: [50, 48, 0],
      // Sparse: [index into accepted, answers in that second].
      throttled: [[1, 2]],
    });
  });

  it('leaves throttled out while there was none in the window', () => {
    const counter = new BindSecondCounter({ startedAtMs: S, maxSeconds: 120 });
    counter.accepted(S + 10);
    expect(counter.counts(S + 1_000)).toEqual({ endMs: S + 1_000, accepted: [1] });
  });

  it('reports nothing until a whole second of the tenure has passed', () => {
    const counter = new BindSecondCounter({ startedAtMs: S + 100, maxSeconds: 120 });
    counter.accepted(S + 200);
    expect(counter.counts(S + 900)).toBeUndefined();
  });

  it('keeps only the last maxSeconds seconds, however long the bind runs, with idle seconds as zeros', () => {
    const counter = new BindSecondCounter({ startedAtMs: S, maxSeconds: 5 });
    for (let second = 0; second < 12; second += 1) {
      if (second === 9) continue; // an idle second
      for (let i = 0; i < second; i += 1) counter.accepted(S + second * 1_000 + i);
    }
    const counts = counter.counts(S + 12_000);
    expect(counts).toEqual({ endMs: S + 12_000, accepted: [7, 8, 0, 10, 11] });
    // A second's count is still right when the current one (sharing a cell with the oldest) has events.
    counter.accepted(S + 12_500);
    expect(counter.counts(S + 12_600)?.accepted).toEqual([7, 8, 0, 10, 11]);
    // Much later: only zeros, not the counts of seconds the ring has not overwritten yet.
    expect(counter.counts(S + 60_000)?.accepted).toEqual([0, 0, 0, 0, 0]);
  });

  it('drops an event stamped in a second older than its cell holds (a clock stepped back) instead of adding it to a newer second', () => {
    const counter = new BindSecondCounter({ startedAtMs: S, maxSeconds: 3 });
    counter.accepted(S + 4_100);
    counter.accepted(S + 100); // second 0 shares second 4's cell
    expect(counter.counts(S + 5_000)?.accepted).toEqual([0, 0, 1]);
  });
});
