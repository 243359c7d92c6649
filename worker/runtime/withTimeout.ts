/**
 * Runs one call (an SDK call, say) with an AbortSignal that aborts after `timeoutMs` with a TimeoutError
 * (what AbortSignal.timeout gives) or as soon as `options.signal` aborts, with its reason; the timer and the
 * listener go as soon as the call settles.
 *
 * Not AbortSignal.timeout(): its timer stays armed after the call, and when it fires the signal is usually
 * still there (a call's objects outlive its tens of milliseconds in the old generation until the next full
 * GC), so every call built a DOMException and dispatched an abort nobody listened to, seconds later — about
 * 1.4 % of the worker's busy time in the bench. Not AbortSignal.any() with a long-lived signal: on Node 20
 * each one leaves an entry in that signal which is never removed.
 */
export async function withTimeout<T>(
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
  options: { signal?: AbortSignal } = {},
): Promise<T> {
  const controller = new AbortController();
  const parent = options.signal;
  const abortWithParent = () => controller.abort(parent?.reason);
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    timeoutMs,
  );
  if (parent?.aborted) abortWithParent();
  else parent?.addEventListener('abort', abortWithParent, { once: true });
  try {
    return await run(controller.signal);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', abortWithParent);
  }
}
