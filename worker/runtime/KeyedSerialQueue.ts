/**
 * Runs work one at a time per key, in the order it was queued, in this process (writes to one message,
 * receipts for one SMSC id). Work under different keys runs side by side. A failure does not stop the
 * work queued behind it. A key is forgotten once its last work has finished.
 *
 * Each work may carry a tag, so a caller can tell what is queued last under a key (`latest`) and join it
 * instead of queueing the same work again.
 */
export class KeyedSerialQueue<Tag = undefined, Result = unknown> {
  readonly #last = new Map<string, QueuedWork<Tag, Result>>();

  /** The work queued last under `key` while it has not finished: its tag and its result. */
  latest(key: string): QueuedWork<Tag, Result> | undefined {
    return this.#last.get(key);
  }

  /** Runs `work` once every work queued earlier under `key` has settled; settles as `work` does. */
  async run<T extends Result>(
    key: string,
    work: () => Promise<T>,
    ...[tag]: undefined extends Tag ? [tag?: Tag] : [tag: Tag]
  ): Promise<T> {
    const before = this.#last.get(key);
    const done = (async () => {
      if (before !== undefined) await before.done.catch(() => {});
      return work();
    })();
    const queued: QueuedWork<Tag, Result> = { tag: tag as Tag, done };
    this.#last.set(key, queued);
    try {
      return await done;
    } finally {
      if (this.#last.get(key) === queued) this.#last.delete(key);
    }
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.#last.size;
  }
}

export interface QueuedWork<Tag, Result> {
  readonly tag: Tag;
  readonly done: Promise<Result>;
}
