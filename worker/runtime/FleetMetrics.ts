/**
 * The worker's CloudWatch metrics (embedded metric format on stdout, through Powertools Metrics), by the
 * names the stack's alarms and dashboard read (core/metrics.ts). Gauges and counter deltas are published
 * once a minute per sub-account — BindsHeld even when 0, because the binds alarm treats missing data as
 * no binds — and receipts as they are recorded.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { metricDimensions, metricNames } from '../../core/metrics.js';

export interface BindCounters {
  name: string;
  status: string;
  inFlight: number;
  accepted: number;
  rejected: number;
  throttled: number;
}

export class FleetMetrics {
  readonly #metrics: Metrics;
  readonly #previous = new Map<string, BindCounters>();
  #timer: NodeJS.Timeout | undefined;

  constructor(metrics: Metrics) {
    this.#metrics = metrics;
  }

  /** Publishes now, then every `intervalMs`, from what `sample` returns for each sub-account. */
  start(sample: () => Map<string, BindCounters[]>, intervalMs = 60_000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.publish(sample()), intervalMs);
    this.#timer.unref();
  }

  stop(sample?: () => Map<string, BindCounters[]>): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (sample) this.publish(sample());
  }

  publish(bySubAccount: Map<string, BindCounters[]>): void {
    for (const [subAccount, binds] of bySubAccount) {
      this.#metrics.addDimension(metricDimensions.subAccount, subAccount);
      const bound = binds.filter((bind) => bind.status === 'bound');
      this.#metrics.addMetric(metricNames.bindsHeld, MetricUnit.Count, bound.length);
      let accepted = 0;
      let rejected = 0;
      let throttled = 0;
      for (const bind of binds) {
        const before = this.#previous.get(bind.name);
        accepted += bind.accepted - (before?.accepted ?? 0);
        rejected += bind.rejected - (before?.rejected ?? 0);
        throttled += bind.throttled - (before?.throttled ?? 0);
        this.#previous.set(bind.name, bind);
      }
      this.#metrics.addMetric(metricNames.submitsAccepted, MetricUnit.Count, Math.max(0, accepted));
      this.#metrics.addMetric(metricNames.submitsRejected, MetricUnit.Count, Math.max(0, rejected));
      this.#metrics.addMetric(metricNames.throttled, MetricUnit.Count, Math.max(0, throttled));
      for (const bind of bound)
        this.#metrics.addMetric(metricNames.windowInUse, MetricUnit.Count, bind.inFlight);
      this.#metrics.publishStoredMetrics();
    }
  }

  /** One final receipt of a sub-account, by outcome. */
  receipt(subAccount: string, outcome: string): void {
    this.#metrics.addDimensions({
      [metricDimensions.subAccount]: subAccount,
      [metricDimensions.outcome]: outcome,
    });
    this.#metrics.addMetric(metricNames.receipts, MetricUnit.Count, 1);
    this.#metrics.publishStoredMetrics();
  }

  /** Something an operator should look at was logged. */
  workerError(): void {
    this.#metrics.addMetric(metricNames.workerErrors, MetricUnit.Count, 1);
    this.#metrics.publishStoredMetrics();
  }
}
