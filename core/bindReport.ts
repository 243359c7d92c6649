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
}
