/**
 * Which lane a bind's next submit comes from (issue 14, docs/priority-lanes.md "Lane 3"): `high` first, but
 * while `normal` parts wait behind a busy high lane they still get `normalShare` of the submits, so a bind fed
 * only high traffic lets its queued normal parts out (no starvation).
 *
 * Counted in submits, not time: a bind's submits are paced by its rate limiter, so N submits are N/rate
 * seconds whatever the clock does, and the rule needs no timer. A credit counter (smooth weighted round robin
 * with two lanes): each submit taken while both lanes wait adds `normalShare` to normal's credit; once the
 * credit reaches one submit, normal goes and the credit drops by one. The credit therefore stays in [0, 1), so
 * over ANY run of n submits while both lanes wait normal gets at least ⌊n · normalShare⌋ of them (one window
 * is ⌈1 / normalShare⌉ submits: at 0.2, one normal part in every 5).
 *
 * Nothing is banked: the credit restarts at zero whenever a lane runs dry. A normal lane that had the bind to
 * itself owes high nothing, so a high part arriving over a normal backlog goes next; a lane with nothing in it
 * reserves nothing.
 */
import type { SubmitSmRequest } from './types.js';

export type Lane = NonNullable<SubmitSmRequest['lane']>;

/** Below this a float sum of shares that should be exactly one (0.2 five times) still counts as one. */
const creditEpsilon = 1e-9;

export class LanePicker {
  readonly normalShare: number;
  #normalCredit = 0;

  /** `normalShare` in [0, 1): 0 is strict priority (normal waits until high is empty). */
  constructor(normalShare: number) {
    if (!(normalShare >= 0 && normalShare < 1))
      throw new RangeError(`normalShare must be ≥ 0 and < 1, got ${normalShare}`);
    this.normalShare = normalShare;
  }

  /** The lane to take the next submit from, given which lanes have parts waiting; undefined when neither. */
  next(waiting: { readonly high: boolean; readonly normal: boolean }): Lane | undefined {
    if (!waiting.high || !waiting.normal) {
      this.#normalCredit = 0;
      if (waiting.high) return 'high';
      return waiting.normal ? 'normal' : undefined;
    }
    this.#normalCredit += this.normalShare;
    if (this.#normalCredit < 1 - creditEpsilon) return 'high';
    this.#normalCredit = Math.max(0, this.#normalCredit - 1);
    return 'normal';
  }
}
