import { describe, expect, it } from 'vitest';
import {
  FleetMetrics,
  type MetricsSink,
  type SubAccountSample,
} from '../../../worker/runtime/FleetMetrics.js';

/** What one publishStoredMetrics() flushed: its dimension set and values by metric name. */
interface Flushed {
  dimensions: Record<string, string>;
  values: Record<string, number[]>;
}

/** A fake of the Powertools calls FleetMetrics makes (the real EMF is checked by the whole-fleet test). */
class RecordingSink implements MetricsSink {
  readonly flushed: Flushed[] = [];
  #dimensions: Record<string, string> = {};
  #values: Record<string, number[]> = {};
  addDimension(name: string, value: string): void {
    this.#dimensions[name] = value;
  }
  addDimensions(dimensions: Record<string, string>): void {
    Object.assign(this.#dimensions, dimensions);
  }
  addMetric(name: string, _unit: string, value: number): void {
    this.#values[name] = [...(this.#values[name] ?? []), value];
  }
  publishStoredMetrics(): void {
    this.flushed.push({ dimensions: this.#dimensions, values: this.#values });
    this.#dimensions = {};
    this.#values = {};
  }
  /** The values of `metric` flushed with exactly these dimensions. */
  valuesOf(metric: string, dimensions: Record<string, string>): number[] {
    return this.flushed
      .filter((f) => JSON.stringify(f.dimensions) === JSON.stringify(dimensions))
      .flatMap((f) => f.values[metric] ?? []);
  }
}

const counters = (accepted: number, rejected = 0, throttled = 0) => ({ accepted, rejected, throttled });
const sample = (...entries: Array<[string, SubAccountSample]>) => new Map(entries);
const acme = { SubAccount: 'acme' };

describe('FleetMetrics', () => {
  it('publishes per sub-account BindsHeld (0 too), the submit counters’ increase and each bound bind’s window, and WorkerErrors with no dimension', () => {
    const sink = new RecordingSink();
    const metrics = new FleetMetrics(sink);
    const a = {};
    metrics.workerError();
    metrics.publish(
      sample(
        ['acme', { bound: [{ inFlight: 7 }], counted: [{ key: a, counters: counters(10, 1, 2) }] }],
        ['idle', { bound: [], counted: [] }],
      ),
    );
    expect(sink.valuesOf('BindsHeld', acme)).toEqual([1]);
    expect(sink.valuesOf('BindsHeld', { SubAccount: 'idle' })).toEqual([0]);
    expect(sink.valuesOf('SubmitsAccepted', acme)).toEqual([10]);
    expect(sink.valuesOf('SubmitsRejected', acme)).toEqual([1]);
    expect(sink.valuesOf('ThrottledResponses', acme)).toEqual([2]);
    expect(sink.valuesOf('WindowInUse', acme)).toEqual([7]);
    expect(sink.valuesOf('WorkerErrors', {})).toEqual([1]);
    // Each flush has one dimension set, and no other dimension (CloudWatch matches the whole set).
    expect(new Set(sink.flushed.map((f) => Object.keys(f.dimensions).join(',')))).toEqual(
      new Set(['SubAccount', '']),
    );
  });

  it('counts a re-acquired slot’s new bind from zero, without netting it against the old one', () => {
    const sink = new RecordingSink();
    const metrics = new FleetMetrics(sink);
    const first = {};
    const second = {};
    metrics.publish(
      sample(['acme', { bound: [{ inFlight: 0 }], counted: [{ key: first, counters: counters(100) }] }]),
    );
    // The lease moved away and back: the slot has a new bind (same name) that has accepted 3 so far, and
    // the old one finished after 4 more.
    metrics.publish(
      sample([
        'acme',
        {
          bound: [{ inFlight: 0 }],
          counted: [
            { key: first, counters: counters(104) },
            { key: second, counters: counters(3) },
          ],
        },
      ]),
    );
    expect(sink.valuesOf('SubmitsAccepted', acme)).toEqual([100, 7]);
  });

  it('counts what a bind accepted after the last publish although it finished before the next', () => {
    const sink = new RecordingSink();
    const metrics = new FleetMetrics(sink);
    const dropped = {};
    metrics.publish(
      sample(['acme', { bound: [{ inFlight: 0 }], counted: [{ key: dropped, counters: counters(5) }] }]),
    );
    metrics.publish(
      sample(['acme', { bound: [], counted: [{ key: dropped, counters: counters(9, 0, 1) }] }]),
    );
    metrics.publish(sample(['acme', { bound: [], counted: [] }]));
    expect(sink.valuesOf('SubmitsAccepted', acme)).toEqual([5, 4, 0]);
    expect(sink.valuesOf('ThrottledResponses', acme)).toEqual([0, 1, 0]);
    expect(sink.valuesOf('BindsHeld', acme)).toEqual([1, 0, 0]);
  });

  it('publishes the receipts since the last publish by outcome, and their lags under the sub-account alone', () => {
    const sink = new RecordingSink();
    const metrics = new FleetMetrics(sink);
    metrics.receipt('acme', 'delivered', 1_500);
    metrics.receipt('acme', 'delivered', 900);
    metrics.receipt('acme', 'undeliverable');
    expect(sink.flushed).toEqual([]);

    metrics.publish(sample(['acme', { bound: [], counted: [] }]));
    expect(sink.valuesOf('Receipts', { SubAccount: 'acme', Outcome: 'delivered' })).toEqual([2]);
    expect(sink.valuesOf('Receipts', { SubAccount: 'acme', Outcome: 'undeliverable' })).toEqual([1]);
    expect(sink.valuesOf('ReceiptLag', acme)).toEqual([1_500, 900]);
    expect(sink.flushed.some((f) => f.values.ReceiptLag && 'Outcome' in f.dimensions)).toBe(false);

    // Counted once: the next publish has none.
    metrics.publish(sample(['acme', { bound: [], counted: [] }]));
    expect(sink.valuesOf('Receipts', { SubAccount: 'acme', Outcome: 'delivered' })).toEqual([2]);
    expect(sink.valuesOf('ReceiptLag', acme)).toEqual([1_500, 900]);
  });

  it('publishes lags in lines of at most 99 values, a full line at once', () => {
    const sink = new RecordingSink();
    const metrics = new FleetMetrics(sink);
    for (let i = 0; i < 250; i += 1) metrics.receipt('acme', 'delivered', i);
    const lagLines = () =>
      sink.flushed.flatMap((f) => (f.values.ReceiptLag ? [f.values.ReceiptLag.length] : []));
    expect(lagLines()).toEqual([99, 99]);

    metrics.publish(sample(['acme', { bound: [], counted: [] }]));
    expect(lagLines()).toEqual([99, 99, 52]);
    expect(sink.valuesOf('ReceiptLag', acme)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(sink.valuesOf('Receipts', { SubAccount: 'acme', Outcome: 'delivered' })).toEqual([250]);
  });

  it('publishes the receipts counted since the last publish at a stop without a sample', () => {
    const sink = new RecordingSink();
    const metrics = new FleetMetrics(sink);
    metrics.receipt('acme', 'expired', 60_000);
    metrics.stop();
    expect(sink.valuesOf('Receipts', { SubAccount: 'acme', Outcome: 'expired' })).toEqual([1]);
    expect(sink.valuesOf('ReceiptLag', acme)).toEqual([60_000]);
  });

  it('publishes at start, then every interval, and once more at stop', () => {
    const sink = new RecordingSink();
    const metrics = new FleetMetrics(sink);
    let samples = 0;
    const take = () => {
      samples += 1;
      return sample(['acme', { bound: [], counted: [] }]);
    };
    metrics.start(take, 60_000);
    metrics.stop(take);
    expect(samples).toBe(2);
    expect(sink.valuesOf('BindsHeld', acme)).toEqual([0, 0]);
  });
});
