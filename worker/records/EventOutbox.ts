/**
 * Publishes the events a record holds in `pendingEvents` and removes them once the bus has them: the
 * transactional-outbox half that makes "record, then event" survive a crash between the two.
 *
 * Who publishes which pending event:
 * - the writer that created it (`created`), right after its write, and this process again later if that
 *   publish failed (so a redelivered receipt can retry it at once);
 * - anyone, for an event this process is publishing or published already (it waits for, or skips, that);
 * - anyone who finds it older than `staleAfterMs`: its writer died before publishing (the id is
 *   deterministic, so a writer that was only slow makes at worst a duplicate subscribers drop);
 * - nobody else: a fresh event another process created is that process's to publish. It comes back as
 *   `deferred`, so a caller who must not answer before it is out (a redelivered receipt) can say "later".
 * Removing published events from the record runs in the background, retried a few times with a doubling
 * pause (a removal lost to a short store outage would otherwise leave a published event listed on a record
 * nothing may touch again); `idle()` waits for it.
 */

import { fromPendingEvent } from '../../core/messageEvents.js';
import type { MessageRecord, PendingEvent } from '../../core/messageRecord.js';
import type { EventPublisher } from './EventPublisher.js';
import type { MessageStore } from './MessageStore.js';
import { errorAttributes, silentLog, type WorkerLog } from './WorkerLog.js';

export interface EventOutboxOptions {
  store: Pick<MessageStore, 'clearPendingEvents'>;
  publisher: EventPublisher;
  /** A pending event older than this is published by whoever finds it. @default 30_000 */
  staleAfterMs?: number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  /** Tries of removing published events from a record. @default 4 */
  clearAttempts?: number;
  /** Pause before the first retry of a removal; doubles after each. @default 1_000 */
  clearRetryMs?: number;
  /** @default a setTimeout pause */
  wait?: (ms: number) => Promise<void>;
  logger?: WorkerLog;
}

export interface OutboxResult {
  /** Events now on the bus (published here, or by this process before). */
  published: string[];
  /** Fresh events another process created and is expected to publish. */
  deferred: PendingEvent[];
}

export class EventOutbox {
  readonly #store: Pick<MessageStore, 'clearPendingEvents'>;
  readonly #publisher: EventPublisher;
  readonly #staleAfterMs: number;
  readonly #now: () => number;
  readonly #clearAttempts: number;
  readonly #clearRetryMs: number;
  readonly #wait: (ms: number) => Promise<void>;
  readonly #log: WorkerLog;
  readonly #clearing = new Set<Promise<void>>();
  /** Events this process created but could not publish: still this process's to publish. */
  readonly #owedHere = new Set<string>();

  constructor(options: EventOutboxOptions) {
    const staleAfterMs = options.staleAfterMs ?? 30_000;
    if (!Number.isFinite(staleAfterMs) || staleAfterMs < 0) {
      throw new TypeError(`staleAfterMs must be a number ≥ 0, got ${staleAfterMs}`);
    }
    this.#store = options.store;
    this.#publisher = options.publisher;
    this.#staleAfterMs = staleAfterMs;
    this.#now = options.now ?? Date.now;
    this.#clearAttempts = Math.max(1, Math.floor(options.clearAttempts ?? 4));
    this.#clearRetryMs = options.clearRetryMs ?? 1_000;
    this.#wait = options.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#log = options.logger ?? silentLog;
  }

  /**
   * Publishes what this caller is responsible for (see the file comment). Rejects if any of those could not
   * be published; the ones that were are still removed from the record.
   */
  async settle(record: MessageRecord, created: readonly string[] = []): Promise<OutboxResult> {
    const mine = new Set(created);
    const now = this.#now();
    const deferred: PendingEvent[] = [];
    const toPublish: PendingEvent[] = [];
    // Events this process published or is publishing under another caller: that caller removes them.
    const othersHere = new Set<string>();
    for (const pending of Object.values(record.pendingEvents)) {
      const known = this.#publisher.knownState(pending.eventId);
      if (
        mine.has(pending.eventId) ||
        this.#owedHere.has(pending.eventId) ||
        now - pending.createdAt >= this.#staleAfterMs
      ) {
        toPublish.push(pending);
      } else if (known !== undefined) {
        toPublish.push(pending);
        othersHere.add(pending.eventId);
      } else {
        deferred.push(pending);
      }
    }
    if (toPublish.length === 0) return { published: [], deferred };

    const results = await Promise.allSettled(
      toPublish.map((pending) => this.#publisher.publish(fromPendingEvent(pending))),
    );
    const published = toPublish
      .filter((_, index) => results[index]?.status === 'fulfilled')
      .map((p) => p.eventId);
    toPublish.forEach((pending, index) => {
      if (results[index]?.status === 'fulfilled') this.#owedHere.delete(pending.eventId);
      else this.#owe(pending.eventId);
    });
    this.#clearInBackground(
      record.messageId,
      published.filter((id) => !othersHere.has(id)),
    );
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    return { published, deferred };
  }

  /**
   * Publishes events that are not (and will not be) kept on a record: the sending path publishes its
   * events just before the write that records their state. Rejects if any could not be published.
   */
  async publish(events: readonly PendingEvent[]): Promise<void> {
    const results = await Promise.allSettled(
      events.map((event) => this.#publisher.publish(fromPendingEvent(event))),
    );
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  /** Resolves when every background removal has finished. */
  async idle(): Promise<void> {
    while (this.#clearing.size > 0) await Promise.allSettled([...this.#clearing]);
  }

  #owe(eventId: string): void {
    this.#owedHere.add(eventId);
    if (this.#owedHere.size > 10_000) {
      const oldest = this.#owedHere.values().next();
      if (!oldest.done) this.#owedHere.delete(oldest.value);
    }
  }

  #clearInBackground(messageId: string, eventIds: readonly string[]): void {
    if (eventIds.length === 0) return;
    const clearing = this.#clear(messageId, eventIds).finally(() => this.#clearing.delete(clearing));
    this.#clearing.add(clearing);
  }

  /** Removing is idempotent (REMOVE of these ids only), so a retry after a lost answer is safe. */
  async #clear(messageId: string, eventIds: readonly string[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#store.clearPendingEvents(messageId, eventIds);
        return;
      } catch (error) {
        if (attempt >= this.#clearAttempts) {
          // The events are out; whoever touches the record next finds them stale and publishes them again
          // under the same ids (a copy subscribers drop).
          this.#log.warn('could not remove published events from the record', {
            messageId,
            attempts: attempt,
            ...errorAttributes(error),
          });
          return;
        }
        await this.#wait(this.#clearRetryMs * 2 ** (attempt - 1));
      }
    }
  }
}
