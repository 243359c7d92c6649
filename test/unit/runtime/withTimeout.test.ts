import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from '../../../worker/runtime/withTimeout.js';

/** A call that settles only when its signal aborts, rejecting with the signal's reason. */
const hanging = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('withTimeout', () => {
  it('aborts the call with a TimeoutError once the time is up', async () => {
    let seen: AbortSignal | undefined;
    const call = withTimeout(1_000, (signal) => {
      seen = signal;
      return hanging(signal);
    });
    const settled = expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(999);
    expect(seen?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await settled;
  });

  it('aborts the call with the reason of the signal it was given', async () => {
    const stop = new AbortController();
    const call = withTimeout(60_000, hanging, { signal: stop.signal });
    const settled = expect(call).rejects.toBe('stopping');
    stop.abort('stopping');
    await settled;
  });

  it('starts aborted when the signal it was given already is', async () => {
    const stop = new AbortController();
    stop.abort('stopped before');
    let abortedAtStart: boolean | undefined;
    await withTimeout(
      60_000,
      async (signal) => {
        abortedAtStart = signal.aborted;
      },
      { signal: stop.signal },
    );
    expect(abortedAtStart).toBe(true);
  });

  it('leaves no timer and no listener behind once the call has settled', async () => {
    const stop = new AbortController();
    expect(await withTimeout(60_000, async () => 'answer', { signal: stop.signal })).toBe('answer');
    await expect(
      withTimeout(
        60_000,
        async () => {
          throw new Error('refused');
        },
        { signal: stop.signal },
      ),
    ).rejects.toThrow('refused');
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
