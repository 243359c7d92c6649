/**
 * One held slot's bind as a worker's presence item stores it (the `binds` attribute of `WORKERS` /
 * `WORKER#<id>` in the leases table, docs/leases.md). The worker writes it (worker/leases/
 * BindPresenceReporter.ts, with `status` narrowed to its bind statuses); the status page reads it
 * (core/fleetStatusView.ts). Plain numbers and strings, no undefined values.
 */
export interface BindReport<Status extends string = string> {
  readonly subAccount: string;
  readonly slot: number;
  /** The lease tenure the bind runs under: a reader matches it to the slot item's `fence`. */
  readonly fence: number;
  readonly status: Status;
  readonly bindMode: string;
  /** submit_sm awaiting their resp, and the most allowed. */
  readonly inFlight: number;
  readonly window: number;
  /** Parts waiting for a rate token or a window place. */
  readonly queued: number;
  /** The configured limit (fleet config `submitsPerSecond`). */
  readonly submitsPerSecond: number;
  /** Cumulative over this tenure. */
  readonly submitted: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly throttled: number;
  readonly bindsOpened: number;
  readonly bindFailures: number;
  /** submit_sm per second over `rateIntervalMs` up to `reportedAtMs`; absent on a tenure's first report. */
  readonly submitRatePerSecond?: number;
  readonly throttledPerSecond?: number;
  readonly rateIntervalMs?: number;
  /** Epoch ms, by the worker's clock. */
  readonly reportedAtMs: number;
  /** What the bind did in each of its last whole seconds (the status page's chart); absent before any. */
  readonly perSecond?: BindSecondCounts;
}

/**
 * Counts per whole second of the worker's clock, oldest first, for at most `bindSecondCountsMaxSeconds`
 * seconds of one tenure (fewer while it is younger). The last entry is the second ending at `endMs`.
 * A number list costs 2–3 bytes a second in the item (about 390 bytes for 120 s at 50/s); throttles are
 * rare, so they are listed sparsely.
 */
export interface BindSecondCounts {
  /** Epoch ms, a multiple of 1000: the end of the newest second counted (the current one is not). */
  readonly endMs: number;
  /** submit_sm answered OK in each second (counted when the resp arrives). */
  readonly accepted: readonly number[];
  /**
   * The seconds with 0x58 (ESME_RTHROTTLED) answers, as [index into `accepted`, answers in that second],
   * oldest first; left out while there was none in the window.
   */
  readonly throttled?: readonly (readonly [index: number, count: number])[];
}

/** How many seconds a presence report carries: the status page's chart spans this. */
export const bindSecondCountsMaxSeconds = 120;
