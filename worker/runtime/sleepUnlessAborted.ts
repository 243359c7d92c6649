import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`, or until `signal` aborts; never rejects: an abort only cuts the wait short. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).then(
    () => undefined,
    () => undefined,
  );
}
