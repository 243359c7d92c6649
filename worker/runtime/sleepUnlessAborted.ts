import { systemTimers, type Timers } from './Timers.js';

/** Waits `ms`, or until `signal` aborts; never rejects: an abort only cuts the wait short. */
export function sleepUnlessAborted(
  ms: number,
  signal: AbortSignal,
  timers: Timers = systemTimers,
): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      timers.clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = timers.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
