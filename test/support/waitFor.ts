/** Bounded waits for tests: every wait names what it waited for and fails after a deadline, never hangs. */
import type { EventEmitter } from 'node:events';

export const WAIT_MS = 3000;

export function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The next `event` whose argument satisfies `predicate`. */
export function nextEvent<T>(
  emitter: EventEmitter,
  event: string,
  predicate: (value: T) => boolean = () => true,
  timeoutMs = WAIT_MS,
): Promise<T> {
  let listener: ((value: T) => void) | undefined;
  const found = new Promise<T>((resolve) => {
    listener = (value: T) => {
      if (predicate(value)) resolve(value);
    };
    emitter.on(event, listener);
  });
  return withTimeout(found, `event ${event}`, timeoutMs).finally(() => {
    if (listener) emitter.off(event, listener);
  });
}
