/**
 * Per-bind submit limiter: uses the whole allowance (`ratePerWindow` submits per sliding `windowMs`, 50 per
 * 1000 ms at 8x8) and keeps the invariant it exists for: the SMSC, counting by *arrival*, never sees one
 * more than the allowance in any sliding window.
 *
 * Design, and why (issue 13; the figures are in docs/smpp-engine.md):
 * - **A ring of the last `ratePerWindow` grants**, not a token bucket: a full bucket plus its refill lets
 *   twice the rate through across a window boundary. Grant k waits until grant k − ratePerWindow is a whole
 *   window (plus a margin) behind it. Under backlog each cycle of `ratePerWindow` grants therefore takes
 *   window + margin + (how late the pump's timer fired) + (how late that submit arrived): every millisecond
 *   there costs 0.1 % of the rate. The old limiter kept a flat 20 ms margin and paced grants from their
 *   actual (late) times, and sustained 48.0–48.6/s of 50.
 * - **Arrival, not send, time** is what the ring compares. A submit cannot reach the SMSC before we send it,
 *   and the SMSC cannot have counted it after it answered it; so each grant starts at its send time and,
 *   once its resp is in, becomes `resp time − the smallest recent round trip` (`answered`). When the SMSC (or
 *   the network) held submits back and then read them in a bunch, their resps come late too, and the grants
 *   one window later wait for the bunch instead of being throttled. On a loaded 2-core machine the
 *   simulator's process is descheduled for tens of milliseconds now and then; a fixed margin would need to be
 *   that wide all the time, this costs the delay only in the cycle that had it.
 * - **A narrow margin that widens on ESME_RTHROTTLED and decays back** (`throttled`): `minMarginMs` covers
 *   what the arrival estimate cannot see (the one-way delay to the SMSC, its clock's millisecond rounding);
 *   every 0x58 raises the margin a level (+`marginStepMs`, doubling per level, at most `maxMarginMs`), and
 *   each `marginDecayMs` without one lowers it a level again.
 * - **Even pacing on a virtual schedule**: grants are spread at window / ratePerWindow (20 ms at 50/s) so a
 *   backlog is never one burst per window (bursts fill the SMSC's queue, and any SMSC that polices with a
 *   smaller bucket would throttle them). The schedule advances from where the previous grant was *due*, not
 *   from when its timer really fired, so a late timer is caught up (by at most `catchUpMs`) instead of
 *   pushing every later grant back; the ring, not the spacing, is what keeps the SMSC's count.
 *
 * Times are milliseconds from a monotonic clock (e.g. `performance.now()`), injected by the caller, and must
 * not go backwards; a time before the last grant is refused until that grant's time. Pure: no timers here.
 */

export interface SubmitRateLimiterOptions {
  /** The agreed rate (8x8: about 50 per bind). ratePerSecond × windowMs / 1000 must be a whole number. */
  readonly ratePerSecond: number;
  /** The window the SMSC counts over. @default 1000 */
  readonly windowMs?: number;
  /**
   * The least margin added to the window: covers the one-way delay to the SMSC and its clock's rounding,
   * which the resp-based arrival estimate cannot see. @default 2
   */
  readonly minMarginMs?: number;
  /** What the first 0x58 adds to the margin; each further level doubles the addition. @default 8 */
  readonly marginStepMs?: number;
  /** The widest the margin gets, however many 0x58 come. @default 100 */
  readonly maxMarginMs?: number;
  /** Each this long without a 0x58 lowers the margin one level. @default 10000 */
  readonly marginDecayMs?: number;
  /**
   * Grants are paced this far apart on a virtual schedule (a backlog goes out evenly, not as bursts). At most
   * window / ratePerWindow, or the rate could never be reached. @default windowMs / ratePerWindow (20 ms at 50/s)
   */
  readonly spacingMs?: number;
  /**
   * How far behind the schedule a grant may be and still be caught up, so a timer that fired late does not
   * push every later grant back. The closest two grants get is spacingMs − catchUpMs.
   * @default spacingMs / 2
   */
  readonly catchUpMs?: number;
}

export type RateDecision = { granted: true; grant: number } | { granted: false; retryAtMs: number };

export class SubmitRateLimiter {
  /** Most grants in any window of `windowMs`. */
  readonly ratePerWindow: number;
  readonly windowMs: number;
  readonly minMarginMs: number;
  readonly marginStepMs: number;
  readonly maxMarginMs: number;
  readonly marginDecayMs: number;
  readonly spacingMs: number;
  readonly catchUpMs: number;

  /**
   * Per slot (grant number modulo ratePerWindow): send time and resp time of the last
   * ratePerWindow grants. Plain arrays that grow as grants come, so a limit set very high (benchmarks turn
   * the limit off with 1,000,000/s) costs memory only for the grants really made.
   */
  private readonly sentAt: number[] = [];
  /** When the resp came, or −∞ while none has. */
  private readonly answeredAt: number[] = [];
  /** Grant numbers handed out so far; the next grant is number `granted`. */
  private granted = 0;
  private lastGrantMs = Number.NEGATIVE_INFINITY;
  /** The earliest time the pacing allows the next grant (a virtual schedule, see the header). */
  private nextPacedMs = Number.NEGATIVE_INFINITY;
  private pausedUntilMs = Number.NEGATIVE_INFINITY;
  /** Round-trip minimum over the current and the previous `ratePerWindow` answers (a cheap sliding min). */
  private rttMinCurrent = Number.POSITIVE_INFINITY;
  private rttMinPrevious = Number.POSITIVE_INFINITY;
  private rttSamples = 0;
  /** Margin level (0 = minMarginMs) as of `levelSetAtMs`; it decays one level per marginDecayMs. */
  private level = 0;
  private levelSetAtMs = 0;

  constructor(options: SubmitRateLimiterOptions) {
    const { ratePerSecond } = options;
    const windowMs = options.windowMs ?? 1000;
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
    const nonNegative = (name: string, value: number) => {
      if (!Number.isFinite(value) || value < 0)
        throw new RangeError(`${name} must be a non-negative number; got ${value}`);
      return value;
    };
    const minMarginMs = nonNegative('minMarginMs', options.minMarginMs ?? 2);
    const marginStepMs = nonNegative('marginStepMs', options.marginStepMs ?? 8);
    const maxMarginMs = nonNegative('maxMarginMs', options.maxMarginMs ?? 100);
    if (maxMarginMs < minMarginMs)
      throw new RangeError(`maxMarginMs (${maxMarginMs}) must be at least minMarginMs (${minMarginMs})`);
    const marginDecayMs = options.marginDecayMs ?? 10_000;
    if (!Number.isFinite(marginDecayMs) || marginDecayMs <= 0)
      throw new RangeError(`marginDecayMs must be a positive number; got ${marginDecayMs}`);
    const interval = windowMs / ratePerWindow;
    const spacingMs = nonNegative('spacingMs', options.spacingMs ?? interval);
    if (spacingMs > interval)
      throw new RangeError(`spacingMs must be at most 1000 / ratePerSecond (${interval}); got ${spacingMs}`);
    const catchUpMs = nonNegative('catchUpMs', options.catchUpMs ?? spacingMs / 2);
    if (catchUpMs > spacingMs)
      throw new RangeError(`catchUpMs must be at most spacingMs (${spacingMs}); got ${catchUpMs}`);
    this.ratePerWindow = ratePerWindow;
    this.windowMs = windowMs;
    this.minMarginMs = minMarginMs;
    this.marginStepMs = marginStepMs;
    this.maxMarginMs = maxMarginMs;
    this.marginDecayMs = marginDecayMs;
    this.spacingMs = spacingMs;
    this.catchUpMs = catchUpMs;
  }

  /**
   * Grants one submit at `nowMs` and records it (the number identifies it to `answered`), or refuses without
   * changing anything and says the earliest time a grant is possible. Asking then succeeds unless something
   * moved it later meanwhile (a pause, a throttle, a resp showing a later arrival).
   */
  tryAcquire(nowMs: number): RateDecision {
    const earliest = this.earliestGrantMs(nowMs);
    if (nowMs < earliest) return { granted: false, retryAtMs: earliest };
    const grant = this.granted++;
    const slot = grant % this.ratePerWindow;
    this.sentAt[slot] = nowMs;
    this.answeredAt[slot] = Number.NEGATIVE_INFINITY;
    this.lastGrantMs = nowMs;
    // Within catchUpMs of the schedule: stay on it. Further behind (idle, or a long stall): restart from now.
    const onSchedule = nowMs - this.nextPacedMs <= this.catchUpMs;
    this.nextPacedMs = (onSchedule ? this.nextPacedMs : nowMs) + this.spacingMs;
    return { granted: true, grant };
  }

  /**
   * The SMSC answered grant `grant` (any status) at `atMs`: it arrived no later than `atMs` minus the
   * return trip, which is taken as the smallest recent round trip. Grants already out of the ring are ignored.
   */
  answered(grant: number, atMs: number): void {
    if (!this.#inRing(grant)) return;
    const slot = grant % this.ratePerWindow;
    const roundTrip = Math.max(0, atMs - this.sentAt[slot]!);
    this.answeredAt[slot] = atMs;
    if (roundTrip < this.rttMinCurrent) this.rttMinCurrent = roundTrip;
    if (++this.rttSamples >= this.ratePerWindow) {
      this.rttMinPrevious = this.rttMinCurrent;
      this.rttMinCurrent = Number.POSITIVE_INFINITY;
      this.rttSamples = 0;
    }
  }

  /**
   * The latest the SMSC can have seen grant `slot`: its resp time minus the smallest recent round trip, taken
   * now rather than when the resp came, so the first resps of a bind (slow while everything is cold, and
   * the only samples then) are judged by the round trips seen since; never before its send time.
   */
  #arrivalEstimate(slot: number): number {
    const sent = this.sentAt[slot]!;
    const answered = this.answeredAt[slot]!;
    if (answered === Number.NEGATIVE_INFINITY) return sent;
    return Math.max(sent, answered - Math.min(this.rttMinCurrent, this.rttMinPrevious));
  }

  /**
   * The SMSC answered grant `grant` with ESME_RTHROTTLED at `atMs`: widen the margin one level (it decays
   * back on its own). A grant sent before the last widening says nothing about the wider margin, so the 0x58
   * answers of one bunch (a whole round trip of them at 300 ms latency) raise it once, not once each.
   */
  throttled(grant: number, atMs: number): void {
    const sent = this.#inRing(grant) ? this.sentAt[grant % this.ratePerWindow]! : Number.NEGATIVE_INFINITY;
    if (this.#levelAt(atMs) > 0 && sent < this.levelSetAtMs) return;
    this.level = this.#levelAt(atMs) + 1;
    this.levelSetAtMs = atMs;
  }

  /** Refuses every grant before `timeMs` (after ESME_RTHROTTLED). A shorter pause never cuts a longer one. */
  pauseUntil(timeMs: number): void {
    if (timeMs > this.pausedUntilMs) this.pausedUntilMs = timeMs;
  }

  /** The margin added to the window at `nowMs`: minMarginMs, wider for a while after each 0x58. */
  marginMs(nowMs: number): number {
    const level = this.#levelAt(nowMs);
    if (level === 0) return this.minMarginMs;
    return Math.min(this.maxMarginMs, this.minMarginMs + this.marginStepMs * (2 ** level - 1));
  }

  /**
   * The earliest time the next grant is possible as things stand at `nowMs` (the margin is taken at `nowMs`;
   * it only narrows later, so the answer errs late, never early).
   */
  earliestGrantMs(nowMs: number): number {
    let earliest = Math.max(this.pausedUntilMs, this.nextPacedMs, this.lastGrantMs);
    if (this.granted >= this.ratePerWindow) {
      const oldest = this.#arrivalEstimate(this.granted % this.ratePerWindow);
      earliest = Math.max(earliest, oldest + this.windowMs + this.marginMs(nowMs));
    }
    return earliest;
  }

  #inRing(grant: number): boolean {
    return grant >= 0 && grant < this.granted && grant >= this.granted - this.ratePerWindow;
  }

  #levelAt(nowMs: number): number {
    if (this.level === 0) return 0;
    const decayed = Math.floor(Math.max(0, nowMs - this.levelSetAtMs) / this.marginDecayMs);
    return Math.max(0, this.level - decayed);
  }
}
