/**
 * Work started and not awaited by its starter (a late write, a batch call, a handler), kept so that stop()
 * can wait for it. A task leaves the set once it settles.
 */
export class BackgroundTasks {
  readonly #tasks = new Set<Promise<unknown>>();

  /** Tasks not settled yet. */
  get size(): number {
    return this.#tasks.size;
  }

  /**
   * Keeps `work` until it settles and returns it as tracked (settling as `work` does, once it has left the
   * set): a rejection nobody handles stays unhandled, as it would be without tracking.
   */
  track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.finally(() => this.#tasks.delete(tracked));
    this.#tasks.add(tracked);
    return tracked;
  }

  /** Resolves once every task has settled, those started meanwhile included. Never rejects. */
  async settled(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  /** Settles as the first of the current tasks settles; with none, never (race it with a timer). */
  race(): Promise<unknown> {
    return Promise.race([...this.#tasks]);
  }
}
