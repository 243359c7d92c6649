/**
 * Every timer the simulator starts, so `stop()` can clear them all and a test never waits on a stray one.
 * Once closed it starts no new timers: socket events that arrive during shutdown schedule nothing.
 */
export class TimerSet {
  private readonly pending = new Set<NodeJS.Timeout>();
  private closed = false;

  /** Runs `callback` after `delayMs`; returns a handle for `clear`, or undefined once closed. */
  set(callback: () => void, delayMs: number): NodeJS.Timeout | undefined {
    if (this.closed) return undefined;
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      callback();
    }, delayMs);
    this.pending.add(handle);
    return handle;
  }

  clear(handle: NodeJS.Timeout | undefined): void {
    if (!handle) return;
    clearTimeout(handle);
    this.pending.delete(handle);
  }

  /** Clears every pending timer and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const handle of this.pending) clearTimeout(handle);
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}
