import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReconcileSummary } from '../../../lambdas/reconcileRecords.js';
import { startReconciler } from '../../../local/reconciler/startReconciler.js';

const summary: ReconcileSummary = {
  examined: 3,
  failed: 1,
  submitted: 0,
  changedMeanwhile: 0,
  unmatchedReported: 0,
};

describe('startReconciler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs the handler at once and then every interval, as the schedule does', async () => {
    const handler = vi.fn(async () => summary);
    const seen: ReconcileSummary[] = [];
    const reconciler = startReconciler({ env: {}, handler, intervalMs: 1_000, onRun: (s) => seen.push(s) });
    await vi.advanceTimersByTimeAsync(0);
    expect(handler).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(handler).toHaveBeenCalledTimes(3);
    expect(seen).toEqual([summary, summary, summary]);
    await reconciler.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(handler).toHaveBeenCalledTimes(3);
  });

  it('reports a failed run and still runs the next one', async () => {
    const handler = vi.fn().mockRejectedValueOnce(new Error('DynamoDB down')).mockResolvedValue(summary);
    const errors: unknown[] = [];
    const reconciler = startReconciler({
      env: {},
      handler,
      intervalMs: 1_000,
      onError: (e) => {
        errors.push(e);
      },
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toHaveLength(1);
    expect(handler).toHaveBeenCalledTimes(2);
    expect(reconciler.runs).toBe(2);
    await reconciler.stop();
    await reconciler.stop();
  });
});
