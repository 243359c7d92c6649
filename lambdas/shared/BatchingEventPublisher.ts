/**
 * Batches events into PutEvents-sized calls: up to `maxBatchSize` entries (10, EventBridge's limit) or
 * whatever arrived within `lingerMs`, whichever comes first. Each caller's promise settles on ITS entry's
 * result: entries EventBridge refused are retried with backoff up to `maxAttempts`, then that caller (only)
 * gets an EventPublishError. One SDK call costs far more CPU than building ten entries, so under load a
 * consumer makes one call per ten events.
 *
 * Deduplication: an event id that is in flight shares the first publish; an id published within the last
 * `rememberPublished` publishes resolves at once. Event ids are deterministic (core/events.ts), so this only
 * saves calls and duplicates on the bus; subscribers still drop duplicates across processes by id.
 *
 * The transport is a port (`sendBatch`), so this logic is unit-tested with a fake; EventBridgePublisher
 * is the adapter that plugs in the AWS SDK.
 */
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { type BackoffStrategy, exponentialBackoff } from '../../core/backoff.js';
import { type EventEntry, type SmsEvent, toEventEntry } from '../../core/events.js';
import { errorAttributes, silentLog, type WorkerLog } from '../../core/log.js';
import { BackgroundTasks } from '../../core/runtime/BackgroundTasks.js';
import { parseOptions } from '../../core/runtime/parseOptions.js';
import type { EventPublisher, KnownEventState } from './EventPublisher.js';
import { EventPublishError, PublisherStoppedError } from './errors.js';

/** One entry's result, in request order. */
export type EntryResult = { ok: true } | { ok: false; errorCode: string; errorMessage?: string };

/** Sends one PutEvents call; resolves with a result per entry, rejects if the call as a whole failed. */
export type SendEventBatch = (entries: readonly EventEntry[], signal: AbortSignal) => Promise<EntryResult[]>;

/** EventBridge's limits on one PutEvents call. */
export const putEventsLimits = { maxEntries: 10, maxRequestBytes: 256 * 1024 } as const;

export const batchingEventPublisherOptionsSchema = z.object({
  eventBusName: z.string().min(1),
  maxBatchSize: z.int().min(1).max(putEventsLimits.maxEntries).default(putEventsLimits.maxEntries),
  /** How long the first event of a batch waits for company. */
  lingerMs: z.number().min(0).max(1_000).default(15),
  /** Tries per entry, the first included. */
  maxAttempts: z.int().min(1).max(20).default(4),
  retryInitialMs: z.int().min(1).default(100),
  retryMaxMs: z.int().min(1).default(2_000),
  /** Abort one PutEvents call after this. */
  requestTimeoutMs: z.int().min(100).default(5_000),
  /** Event ids remembered as published, for deduplication. */
  rememberPublished: z.int().min(0).default(20_000),
});
export type BatchingEventPublisherOptions = z.input<typeof batchingEventPublisherOptionsSchema> & {
  sendBatch: SendEventBatch;
  logger?: WorkerLog;
  random?: () => number;
};

export interface EventPublisherEvents {
  /** One PutEvents call finished: how many entries it carried and how many EventBridge refused. */
  batch: [info: { entries: number; failed: number; durationMs: number }];
  /** An event was given up on. */
  publishFailed: [error: EventPublishError];
}

interface Queued {
  event: SmsEvent;
  entry: EventEntry;
  bytes: number;
  attempts: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class BatchingEventPublisher extends EventEmitter<EventPublisherEvents> implements EventPublisher {
  readonly #options: z.output<typeof batchingEventPublisherOptionsSchema>;
  readonly #sendBatch: SendEventBatch;
  readonly #log: WorkerLog;
  readonly #backoff: BackoffStrategy;
  readonly #queue: Queued[] = [];
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Insertion-ordered, so the first key is the oldest. */
  readonly #published = new Set<string>();
  readonly #calls = new BackgroundTasks();
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  #lingerTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: BatchingEventPublisherOptions) {
    super();
    const parsed = parseOptions(batchingEventPublisherOptionsSchema, options, 'event publisher');
    if (parsed.retryMaxMs < parsed.retryInitialMs) {
      throw new TypeError('invalid event publisher options: retryMaxMs must be at least retryInitialMs');
    }
    this.#options = parsed;
    this.#sendBatch = options.sendBatch;
    this.#log = options.logger ?? silentLog;
    this.#backoff = exponentialBackoff({
      initialMs: parsed.retryInitialMs,
      maxMs: parsed.retryMaxMs,
      jitter: 'equal',
      ...(options.random ? { random: options.random } : {}),
    });
  }

  publish(event: SmsEvent): Promise<void> {
    const eventId = event.detail.eventId;
    const known = this.knownState(eventId);
    if (known?.state === 'published') return Promise.resolve();
    if (known?.state === 'in-flight') return known.settled;
    if (this.#stopped) return Promise.reject(new PublisherStoppedError());

    const entry = toEventEntry(event, this.#options.eventBusName);
    const bytes = entrySize(entry);
    if (bytes > putEventsLimits.maxRequestBytes) {
      return Promise.reject(
        new EventPublishError({
          eventId,
          errorCode: 'EntryTooLarge',
          errorMessage: `${bytes} bytes`,
          attempts: 0,
        }),
      );
    }
    const settled = new Promise<void>((resolve, reject) => {
      this.#enqueue({ event, entry, bytes, attempts: 0, resolve, reject });
    }).then(
      () => {
        this.#inFlight.delete(eventId);
        this.#remember(eventId);
      },
      (error: unknown) => {
        this.#inFlight.delete(eventId);
        throw error;
      },
    );
    this.#inFlight.set(eventId, settled);
    return settled;
  }

  knownState(eventId: string): KnownEventState {
    if (this.#published.has(eventId)) return { state: 'published' };
    const settled = this.#inFlight.get(eventId);
    return settled === undefined ? undefined : { state: 'in-flight', settled };
  }

  /** Sends whatever is queued now and waits for every call (retries included) to settle. */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#calls.size > 0 || this.#retryTimers.size > 0) {
      this.#sendQueued();
      await Promise.race([this.#calls.race(), delay(10)]);
    }
  }

  /** Refuses new events, publishes the queued ones and waits for them. Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.flush();
  }

  #enqueue(item: Queued): void {
    this.#queue.push(item);
    if (this.#queue.length >= this.#options.maxBatchSize) {
      this.#sendQueued();
    } else if (this.#lingerTimer === undefined) {
      this.#lingerTimer = setTimeout(() => {
        this.#lingerTimer = undefined;
        this.#sendQueued();
      }, this.#options.lingerMs);
    }
  }

  #sendQueued(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    while (this.#queue.length > 0) {
      const batch: Queued[] = [];
      let bytes = 0;
      while (
        this.#queue.length > 0 &&
        batch.length < this.#options.maxBatchSize &&
        bytes + (this.#queue[0]?.bytes ?? 0) <= putEventsLimits.maxRequestBytes
      ) {
        const next = this.#queue.shift() as Queued;
        bytes += next.bytes;
        batch.push(next);
      }
      void this.#calls.track(this.#send(batch));
    }
  }

  async #send(batch: Queued[]): Promise<void> {
    const started = performance.now();
    for (const item of batch) item.attempts += 1;
    let results: EntryResult[];
    try {
      results = await this.#sendBatch(
        batch.map((item) => item.entry),
        AbortSignal.timeout(this.#options.requestTimeoutMs),
      );
    } catch (error) {
      const errorCode = error instanceof Error ? error.name : 'Error';
      this.#log.warn('PutEvents call failed', { entries: batch.length, ...errorAttributes(error) });
      results = batch.map(() => ({
        ok: false,
        errorCode,
        errorMessage: error instanceof Error ? error.message : String(error),
      }));
    }
    let failed = 0;
    batch.forEach((item, index) => {
      const result = results[index] ?? { ok: false, errorCode: 'MissingResult' };
      if (result.ok) {
        item.resolve();
        return;
      }
      failed += 1;
      this.#retryOrGiveUp(item, result);
    });
    this.emit('batch', { entries: batch.length, failed, durationMs: performance.now() - started });
  }

  #retryOrGiveUp(item: Queued, result: { errorCode: string; errorMessage?: string }): void {
    if (item.attempts >= this.#options.maxAttempts) {
      const error = new EventPublishError({
        eventId: item.event.detail.eventId,
        errorCode: result.errorCode,
        ...(result.errorMessage === undefined ? {} : { errorMessage: result.errorMessage }),
        attempts: item.attempts,
      });
      this.#log.error('event not published', {
        eventId: item.event.detail.eventId,
        detailType: item.event.detailType,
        ...errorAttributes(error),
      });
      this.emit('publishFailed', error);
      item.reject(error);
      return;
    }
    const timer = setTimeout(
      () => {
        this.#retryTimers.delete(timer);
        this.#enqueue(item);
      },
      this.#backoff(item.attempts - 1),
    );
    this.#retryTimers.add(timer);
  }

  #remember(eventId: string): void {
    if (this.#options.rememberPublished === 0) return;
    this.#published.add(eventId);
    if (this.#published.size > this.#options.rememberPublished) {
      const oldest = this.#published.values().next();
      if (!oldest.done) this.#published.delete(oldest.value);
    }
  }
}

/** Bytes EventBridge counts for an entry (its documented calculation, rounded up). */
function entrySize(entry: EventEntry): number {
  return (
    14 +
    Buffer.byteLength(entry.Source) +
    Buffer.byteLength(entry.DetailType) +
    Buffer.byteLength(entry.Detail) +
    Buffer.byteLength(entry.EventBusName)
  );
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
