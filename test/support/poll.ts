/**
 * Bounded waits and small helpers shared by the in-process sending harness (test/integration/sending) and
 * the whole-fleet harness (test/e2e). Free of vitest, so the benchmarks can use them too. Every wait names
 * what it waited for and fails at a deadline; none sleeps a fixed time to let something happen.
 */

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Says where things stood when the deadline passed. */
  describe?: () => string;
}

/**
 * Calls `check` every `intervalMs` (after the previous call ends) until it is true; fails at the deadline.
 * Resolves with the milliseconds it took.
 */
export async function pollUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: PollOptions,
): Promise<number> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() >= deadline) {
      const state = options.describe?.();
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${what}${state ? `: ${state}` : ''}`,
      );
    }
    await sleep(options.intervalMs);
  }
}

export function withDeadline<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A pause between polls or retries; never a wait for something to happen. */
export const sleep = (ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms));

/** Runs `fn` over `items` with at most `limit` calls at a time; results in the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next;
        next += 1;
        results[index] = await fn(items[index] as T, index);
      }
    }),
  );
  return results;
}

export function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
