/**
 * The worker's CloudWatch metrics (embedded metric format on stdout, through Powertools Metrics), by the
 * names and dimensions the stack's alarms and dashboard read (core/metrics.ts). CloudWatch matches a metric
 * by its whole dimension set, so what is emitted here must be exactly what infra/constructs/Monitoring.ts
 * asks for: {SubAccount} for the per-sub-account metrics, {SubAccount, Outcome} for receipts, none for
 * WorkerErrors — and not Powertools' default `service` dimension, which would put every metric out of the
 * alarms' sight (test/e2e/workerKilled.test.ts compares a whole-fleet run's output with the template).
 *
 * Once per interval (and at start and stop): per sub-account BindsHeld (also when 0: the binds alarm treats
 * no data as no binds), the submit counters' increase since the last publish, and each bound bind's window
 * in use; WorkerErrors for the fleet. Counters are counted per bind lifetime: each bind object's counts are
 * followed from its creation until the sample after it finished (a re-acquired slot is a new bind starting
 * at 0, and a bind dropped between two publishes still has its last increase counted), so no increase is
 * lost or netted against another bind's. Receipts are counted by outcome and their lags collected between
 * publishes, then go out with the interval's: one line per outcome whose value is the count, and one line of
 * lags (of up to 99: a fuller one goes out at once). A line per
 * receipt, as before, cost two stdout lines per message: CPU in the worker and CloudWatch Logs bytes, for
 * the same Sum and the same percentiles.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';

type MetricUnitName = (typeof MetricUnit)[keyof typeof MetricUnit];

import { metricDimensions, metricNames } from '../../core/metrics.js';

/** The part of Powertools' Metrics this uses. */
export interface MetricsSink {
  addDimension(name: string, value: string): void;
  addDimensions(dimensions: Record<string, string>): void;
  addMetric(name: string, unit: MetricUnitName, value: number): void;
  publishStoredMetrics(): void;
}

export interface BindCounters {
  accepted: number;
  rejected: number;
  throttled: number;
}

/** One sub-account's binds in this worker, as the worker sees them now. */
export interface SubAccountSample {
  /** Binds bound right now, each with its submit_sm awaiting a resp. */
  bound: ReadonlyArray<{ inFlight: number }>;
  /**
   * Every bind whose counters may have grown since the last sample: held, draining, or finished since then.
   * `key` is the bind itself (one key per bind lifetime); `counters` are its totals so far.
   */
  counted: ReadonlyArray<{ key: object; counters: BindCounters }>;
}

export type MetricsSample = ReadonlyMap<string, SubAccountSample>;

/**
 * Lags per line. EMF takes up to 100 values of a metric in one line, and Powertools publishes by itself when
 * a metric reaches 100 (our own publish would then find the store empty and warn): 99 stays clear of both.
 */
const lagsPerLine = 99;

/** One sub-account's receipts since the last publish. */
interface PendingReceipts {
  readonly byOutcome: Map<string, number>;
  lagsMs: number[];
}

export class FleetMetrics {
  readonly #metrics: MetricsSink;
  /** Each bind's totals at the last publish. */
  readonly #published = new WeakMap<object, BindCounters>();
  readonly #receipts = new Map<string, PendingReceipts>();
  #workerErrors = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(metrics: MetricsSink) {
    this.#metrics = metrics;
  }

  /** Publishes now, then every `intervalMs` (60 s in production: the alarms count one BindsHeld a minute). */
  start(sample: () => MetricsSample, intervalMs = 60_000): void {
    if (this.#timer) return;
    this.publish(sample());
    this.#timer = setInterval(() => this.publish(sample()), intervalMs);
    this.#timer.unref();
  }

  /** Publishes once more (with `sample`, or only the receipts counted since the last publish). */
  stop(sample?: () => MetricsSample): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (sample) this.publish(sample());
    else this.#publishReceipts();
  }

  publish(bySubAccount: MetricsSample): void {
    for (const [subAccount, { bound, counted }] of bySubAccount) {
      this.#metrics.addDimension(metricDimensions.subAccount, subAccount);
      this.#metrics.addMetric(metricNames.bindsHeld, MetricUnit.Count, bound.length);
      const increase: BindCounters = { accepted: 0, rejected: 0, throttled: 0 };
      for (const { key, counters } of counted) {
        const before = this.#published.get(key) ?? { accepted: 0, rejected: 0, throttled: 0 };
        increase.accepted += counters.accepted - before.accepted;
        increase.rejected += counters.rejected - before.rejected;
        increase.throttled += counters.throttled - before.throttled;
        this.#published.set(key, { ...counters });
      }
      this.#metrics.addMetric(metricNames.submitsAccepted, MetricUnit.Count, increase.accepted);
      this.#metrics.addMetric(metricNames.submitsRejected, MetricUnit.Count, increase.rejected);
      this.#metrics.addMetric(metricNames.throttled, MetricUnit.Count, increase.throttled);
      for (const bind of bound)
        this.#metrics.addMetric(metricNames.windowInUse, MetricUnit.Count, bind.inFlight);
      this.#metrics.publishStoredMetrics();
    }
    this.#publishReceipts();
    // Emitted every interval, 0 included, so the fleet's error graph and alarm have data to read.
    this.#metrics.addMetric(metricNames.workerErrors, MetricUnit.Count, this.#workerErrors);
    this.#workerErrors = 0;
    this.#metrics.publishStoredMetrics();
  }

  /**
   * A part's final receipt: counted by outcome, and how long after its submit_sm_resp it came (when the
   * record says when the part was submitted); both go out with the next publish.
   */
  receipt(subAccount: string, outcome: string, lagMs?: number): void {
    let pending = this.#receipts.get(subAccount);
    if (pending === undefined) {
      pending = { byOutcome: new Map(), lagsMs: [] };
      this.#receipts.set(subAccount, pending);
    }
    pending.byOutcome.set(outcome, (pending.byOutcome.get(outcome) ?? 0) + 1);
    if (lagMs === undefined) return;
    pending.lagsMs.push(Math.max(0, lagMs));
    if (pending.lagsMs.length >= lagsPerLine) this.#publishLags(subAccount, pending);
  }

  /** A deliver_sm the worker could not read (kept and published as `SMS Deliver Unreadable`). */
  unreadableDeliverSm(subAccount: string): void {
    this.#metrics.addDimension(metricDimensions.subAccount, subAccount);
    this.#metrics.addMetric(metricNames.unreadableDeliverSm, MetricUnit.Count, 1);
    this.#metrics.publishStoredMetrics();
  }

  /** The receipts counted since the last publish: a line per outcome, then the lags (each set its own line). */
  #publishReceipts(): void {
    for (const [subAccount, pending] of this.#receipts) {
      for (const [outcome, count] of pending.byOutcome) {
        this.#metrics.addDimensions({
          [metricDimensions.subAccount]: subAccount,
          [metricDimensions.outcome]: outcome,
        });
        this.#metrics.addMetric(metricNames.receipts, MetricUnit.Count, count);
        this.#metrics.publishStoredMetrics();
      }
      this.#publishLags(subAccount, pending);
    }
    this.#receipts.clear();
  }

  #publishLags(subAccount: string, pending: PendingReceipts): void {
    if (pending.lagsMs.length === 0) return;
    this.#metrics.addDimension(metricDimensions.subAccount, subAccount);
    for (const lagMs of pending.lagsMs)
      this.#metrics.addMetric(metricNames.receiptLag, MetricUnit.Milliseconds, lagMs);
    this.#metrics.publishStoredMetrics();
    pending.lagsMs = [];
  }

  /** Something an operator should look at was logged: counted into the next publish. */
  workerError(): void {
    this.#workerErrors += 1;
  }
}
