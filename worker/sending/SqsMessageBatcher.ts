/**
 * Collects deletes and visibility changes for one queue and sends them as DeleteMessageBatch and
 * ChangeMessageVisibilityBatch calls of up to 10 entries, after at most `lingerMs`. One SDK call costs
 * far more CPU than an entry in it, so a worker sending 200 messages a second makes about 20 delete calls.
 *
 * A failed entry is logged, not thrown: a message whose delete failed comes back after its visibility
 * timeout and the sender finds it done; a failed visibility change at worst lets it come back sooner.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { errorAttributes, silentLog, type WorkerLog } from '../../core/log.js';
import { BackgroundTasks } from '../../core/runtime/BackgroundTasks.js';
import { withTimeout } from '../runtime/withTimeout.js';

export interface SqsMessageBatcherOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** @default 10 */
  lingerMs?: number;
  /** Abort one batch call after this. @default 5_000 */
  requestTimeoutMs?: number;
  logger?: WorkerLog;
}

/** One batch entry's result: whether SQS took it. */
export interface BatchEntryResult {
  ok: boolean;
  code?: string;
}

interface Pending {
  receiptHandle: string;
  visibilityTimeout?: number;
  resolve: (result: BatchEntryResult) => void;
}

const maxEntries = 10;

export class SqsMessageBatcher {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #lingerMs: number;
  readonly #requestTimeoutMs: number;
  readonly #log: WorkerLog;
  readonly #deletes: Pending[] = [];
  readonly #changes: Pending[] = [];
  readonly #calls = new BackgroundTasks();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: SqsMessageBatcherOptions) {
    this.#sqs = options.sqs;
    this.#queueUrl = options.queueUrl;
    this.#lingerMs = options.lingerMs ?? 10;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.#log = options.logger ?? silentLog;
  }

  delete(receiptHandle: string): Promise<BatchEntryResult> {
    return new Promise((resolve) => this.#add(this.#deletes, { receiptHandle, resolve }));
  }

  changeVisibility(receiptHandle: string, visibilityTimeout: number): Promise<BatchEntryResult> {
    return new Promise((resolve) => this.#add(this.#changes, { receiptHandle, visibilityTimeout, resolve }));
  }

  /** Sends everything queued and waits for every call in progress. */
  async flush(): Promise<void> {
    this.#sendAll();
    await this.#calls.settled();
  }

  #add(queue: Pending[], entry: Pending): void {
    queue.push(entry);
    if (queue.length >= maxEntries) this.#send(queue);
    else this.#timer ??= setTimeout(() => this.#sendAll(), this.#lingerMs);
  }

  #sendAll(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#deletes.length > 0) this.#send(this.#deletes);
    while (this.#changes.length > 0) this.#send(this.#changes);
  }

  #send(queue: Pending[]): void {
    const batch = queue.splice(0, maxEntries);
    if (batch.length === 0) return;
    void this.#calls.track(this.#call(batch, queue === this.#deletes));
  }

  async #call(batch: Pending[], isDelete: boolean): Promise<void> {
    const operation = isDelete ? 'DeleteMessageBatch' : 'ChangeMessageVisibilityBatch';
    try {
      const response = await withTimeout(this.#requestTimeoutMs, (abortSignal) =>
        isDelete
          ? this.#sqs.send(
              new DeleteMessageBatchCommand({
                QueueUrl: this.#queueUrl,
                Entries: batch.map((entry, index) => ({
                  Id: String(index),
                  ReceiptHandle: entry.receiptHandle,
                })),
              }),
              { abortSignal },
            )
          : this.#sqs.send(
              new ChangeMessageVisibilityBatchCommand({
                QueueUrl: this.#queueUrl,
                Entries: batch.map((entry, index) => ({
                  Id: String(index),
                  ReceiptHandle: entry.receiptHandle,
                  VisibilityTimeout: entry.visibilityTimeout ?? 0,
                })),
              }),
              { abortSignal },
            ),
      );
      const failed = new Map((response.Failed ?? []).map((failure) => [failure.Id, failure]));
      batch.forEach((entry, index) => {
        const failure = failed.get(String(index));
        entry.resolve(
          failure === undefined
            ? { ok: true }
            : { ok: false, ...(failure.Code ? { code: failure.Code } : {}) },
        );
      });
      if (failed.size > 0) {
        this.#log.warn(`${operation}: SQS refused ${failed.size} of ${batch.length} entries`, {
          codes: [...new Set([...failed.values()].map((failure) => failure.Code))],
        });
      }
    } catch (error) {
      this.#log.warn(`${operation} failed`, { entries: batch.length, ...errorAttributes(error) });
      for (const entry of batch)
        entry.resolve({ ok: false, code: error instanceof Error ? error.name : 'Error' });
    }
  }
}
