/**
 * Consumes one sub-account's send queue: long polling, batches of up to 10, a bounded number of messages
 * in flight, visibility kept extended while a message waits (for rate tokens, a window slot, a retry), and
 * each message deleted only after its handler says its outcome is recorded. The wiring starts it while
 * this worker holds at least one bind of the sub-account and stops it when the last one goes.
 *
 * Prefetch: `maxInFlight()` is asked before every receive; the wiring returns what the bound binds can
 * send in a few seconds (BindPool.capacityPerSecond() × seconds), so messages are not pulled out of other
 * workers' reach only to wait here. While it is 0 (no bind up) the consumer does not poll at all.
 *
 * stop(): aborts the poll, tells the handlers (their AbortSignal) to stop retrying and record what they
 * have, waits for them, flushes the deletes and visibility changes, then reports `stopped`. start() and
 * stop() are safe to call twice; start() after stop() resumes.
 */
import { EventEmitter } from 'node:events';
import { type Message, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { exponentialBackoff } from '../../core/backoff.js';
import { errorAttributes, silentLog, type WorkerLog } from '../../core/log.js';
import { sqsMessageAttributes } from '../../core/messageId.js';
import { BackgroundTasks } from '../../core/runtime/BackgroundTasks.js';
import { parseOptions } from '../../core/runtime/parseOptions.js';
import { queueSettings } from '../../core/tableKeys.js';
import { sleepUnlessAborted } from '../runtime/sleepUnlessAborted.js';
import { withTimeout } from '../runtime/withTimeout.js';
import type { MessageDisposition } from './MessageSender.js';
import type { SendQueueMessage } from './SendPlanner.js';
import { SqsMessageBatcher } from './SqsMessageBatcher.js';

export const sqsSendConsumerOptionsSchema = z
  .object({
    queueUrl: z.string().min(1),
    /** Set on every receive, and what a heartbeat extends visibility to. */
    visibilityTimeoutSeconds: z.int().min(1).max(43_200).default(queueSettings.visibilityTimeoutSeconds),
    waitTimeSeconds: z.int().min(0).max(20).default(queueSettings.receiveWaitTimeSeconds),
    batchSize: z.int().min(1).max(10).default(10),
    /** How often visibility of messages still in flight is extended. */
    heartbeatIntervalSeconds: z.int().min(1).default(15),
    /** Abort a delete/visibility batch call after this. */
    requestTimeoutMs: z.int().min(100).default(5_000),
    // A delete can wait: the message stays invisible for the visibility timeout, and its room is already
    // free. Longer means fuller batches: at 10 messages/s, 500 ms puts ~5 deletes in a call instead of ~1.
    batchLingerMs: z.int().min(0).max(1_000).default(500),
    /** How often a consumer with no room looks again (capacity also rises when a bind comes up). */
    roomCheckMs: z.int().min(10).default(250),
    /** Visibility for a message whose handler threw (a store or publish failure). */
    failureRetrySeconds: z.int().min(0).max(43_200).default(10),
    /** The queue's maxReceiveCount: SQS moves a message received more often than this to the DLQ. */
    maxReceiveCount: z.int().min(1).default(queueSettings.maxReceiveCount),
  })
  .superRefine((options, ctx) => {
    if (options.heartbeatIntervalSeconds >= options.visibilityTimeoutSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeatIntervalSeconds'],
        message: `must be less than visibilityTimeoutSeconds (${options.visibilityTimeoutSeconds}), or messages become visible again while still being sent`,
      });
    }
  });

export type SqsSendConsumerOptions = z.input<typeof sqsSendConsumerOptionsSchema> & {
  sqs: SQSClient;
  handleMessage: (message: SendQueueMessage, signal: AbortSignal) => Promise<MessageDisposition>;
  /** Most messages held at once (received, not yet deleted or returned); 0 pauses polling. */
  maxInFlight: () => number;
  logger?: WorkerLog;
};

export type ConsumerStatus = 'idle' | 'running' | 'stopping';

export interface SqsSendConsumerEvents {
  started: [];
  stopped: [];
  received: [info: { messages: number; inFlight: number }];
  handled: [
    info: { sqsMessageId: string; action: MessageDisposition['action'] | 'failed'; durationMs: number },
  ];
  receiveFailed: [error: unknown];
  handlerFailed: [info: { sqsMessageId: string; error: unknown }];
  /** A message that only waited was put back as a fresh copy (see #requeue). */
  requeued: [info: { sqsMessageId: string; messageId: string; receiveCount: number }];
}

interface Held {
  sqsMessageId: string;
  receiptHandle: string;
  lastExtendedAt: number;
}

export class SqsSendConsumer extends EventEmitter<SqsSendConsumerEvents> {
  readonly #options: z.output<typeof sqsSendConsumerOptionsSchema>;
  readonly #sqs: SQSClient;
  readonly #handleMessage: SqsSendConsumerOptions['handleMessage'];
  readonly #maxInFlight: () => number;
  readonly #log: WorkerLog;
  readonly #batcher: SqsMessageBatcher;
  readonly #held = new Map<string, Held>();
  readonly #handlers = new BackgroundTasks();
  readonly #errorBackoff = exponentialBackoff({ initialMs: 500, maxMs: 10_000, jitter: 'equal' });
  #status: ConsumerStatus = 'idle';
  #controller: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;
  #wakeRoom: (() => void) | undefined;

  constructor(options: SqsSendConsumerOptions) {
    super();
    const parsed = parseOptions(sqsSendConsumerOptionsSchema, options, 'SQS consumer');
    if (typeof options.handleMessage !== 'function') throw new TypeError('handleMessage must be a function');
    if (typeof options.maxInFlight !== 'function') throw new TypeError('maxInFlight must be a function');
    this.#options = parsed;
    this.#sqs = options.sqs;
    this.#handleMessage = options.handleMessage;
    this.#maxInFlight = options.maxInFlight;
    this.#log = options.logger ?? silentLog;
    this.#batcher = new SqsMessageBatcher({
      sqs: options.sqs,
      queueUrl: parsed.queueUrl,
      lingerMs: parsed.batchLingerMs,
      requestTimeoutMs: parsed.requestTimeoutMs,
      logger: this.#log,
    });
  }

  get status(): ConsumerStatus {
    return this.#status;
  }

  /** Messages received and not yet deleted or returned. */
  get inFlight(): number {
    return this.#held.size;
  }

  /** Starts polling; safe to call twice. During a stop it resumes once the stop has finished. */
  start(): void {
    if (this.#status === 'running') return;
    if (this.#status === 'stopping') {
      void this.#stopping?.then(() => this.start());
      return;
    }
    this.#status = 'running';
    const controller = new AbortController();
    this.#controller = controller;
    this.#heartbeat = setInterval(
      () => this.#extendVisibility(),
      this.#options.heartbeatIntervalSeconds * 1_000,
    );
    this.#loop = this.#poll(controller.signal);
    this.emit('started');
  }

  /** Stops polling, lets in-flight messages finish (their handlers are told to wind down), flushes. */
  stop(): Promise<void> {
    if (this.#status === 'idle') return this.#stopping ?? Promise.resolve();
    if (this.#status === 'stopping' && this.#stopping) return this.#stopping;
    this.#status = 'stopping';
    this.#stopping = this.#shutdown().finally(() => {
      this.#status = 'idle';
      this.emit('stopped');
    });
    return this.#stopping;
  }

  /** Re-checks room now (e.g. a bind came up). */
  wake(): void {
    this.#wakeRoom?.();
  }

  async #shutdown(): Promise<void> {
    this.#controller?.abort();
    await this.#loop;
    await this.#handlers.settled();
    await this.#batcher.flush();
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  async #poll(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const room = Math.min(this.#options.batchSize, Math.floor(this.#maxInFlight()) - this.#held.size);
      if (room <= 0) {
        await this.#waitForRoom(signal);
        continue;
      }
      let messages: Message[];
      try {
        messages = await this.#receive(room, signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        this.#log.warn('ReceiveMessage failed', {
          queueUrl: this.#options.queueUrl,
          ...errorAttributes(error),
        });
        this.emit('receiveFailed', error);
        await sleepUnlessAborted(this.#errorBackoff(Math.min(failures, 10)), signal);
        failures += 1;
        continue;
      }
      for (const message of messages) this.#dispatch(message, signal);
      if (messages.length > 0)
        this.emit('received', { messages: messages.length, inFlight: this.#held.size });
    }
  }

  /** One long poll, given up when the consumer stops (`signal`) or SQS has not answered 10 s after the wait. */
  async #receive(room: number, signal: AbortSignal): Promise<Message[]> {
    const response = await withTimeout(
      (this.#options.waitTimeSeconds + 10) * 1_000,
      (abortSignal) =>
        this.#sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#options.queueUrl,
            MaxNumberOfMessages: room,
            WaitTimeSeconds: this.#options.waitTimeSeconds,
            VisibilityTimeout: this.#options.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal },
        ),
      { signal },
    );
    return response.Messages ?? [];
  }

  #dispatch(message: Message, signal: AbortSignal): void {
    const { MessageId: sqsMessageId, ReceiptHandle: receiptHandle } = message;
    if (sqsMessageId === undefined || receiptHandle === undefined) return;
    const held: Held = { sqsMessageId, receiptHandle, lastExtendedAt: performance.now() };
    this.#held.set(receiptHandle, held);
    const started = performance.now();
    const handler = (async () => {
      let action: MessageDisposition['action'] | 'failed';
      try {
        const disposition = await this.#handleMessage(
          toSendQueueMessage(message, this.#options.queueUrl),
          signal,
        );
        action = disposition.action;
        if (disposition.action === 'delete') {
          // Done with it: its room is free now, while its delete waits to share a batch call.
          this.#release(receiptHandle);
          await this.#batcher.delete(receiptHandle);
        } else if (
          disposition.waitedOnly !== undefined &&
          (await this.#requeue(message, disposition.waitedOnly.messageId, disposition.delaySeconds))
        ) {
          await this.#batcher.delete(receiptHandle);
        } else await this.#batcher.changeVisibility(receiptHandle, disposition.delaySeconds);
      } catch (error) {
        action = 'failed';
        this.#log.error('send message handler failed; the message will come back', {
          sqsMessageId,
          ...errorAttributes(error),
        });
        this.emit('handlerFailed', { sqsMessageId, error });
        await this.#batcher.changeVisibility(receiptHandle, this.#options.failureRetrySeconds);
      }
      this.#release(receiptHandle);
      this.emit('handled', { sqsMessageId, action, durationMs: performance.now() - started });
    })();
    void this.#handlers.track(handler);
  }

  /** The message no longer counts against maxInFlight nor gets its visibility extended. Safe twice. */
  #release(receiptHandle: string): void {
    if (this.#held.delete(receiptHandle)) this.#wakeRoom?.();
  }

  /**
   * Waiting is not failing: a message that only waited (no bind up, the worker stopping) and whose next
   * receive would be its last before the DLQ is put back as a fresh copy (receive count 1) under the same
   * message id, and the original deleted. Only then: most waits cost nothing extra. False when the copy
   * could not be sent; the original is then returned as usual.
   */
  async #requeue(message: Message, messageId: string, delaySeconds: number): Promise<boolean> {
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    if (receiveCount < this.#options.maxReceiveCount - 1) return false;
    try {
      await withTimeout(this.#options.requestTimeoutMs, (abortSignal) =>
        this.#sqs.send(
          new SendMessageCommand({
            QueueUrl: this.#options.queueUrl,
            MessageBody: message.Body ?? '',
            DelaySeconds: Math.min(delaySeconds, 900),
            MessageAttributes: {
              ...message.MessageAttributes,
              [sqsMessageAttributes.messageId]: { DataType: 'String', StringValue: messageId },
            },
          }),
          { abortSignal },
        ),
      );
      this.emit('requeued', { sqsMessageId: message.MessageId ?? '', messageId, receiveCount });
      return true;
    } catch (error) {
      this.#log.warn('could not put a waiting message back as a fresh copy; returning it', {
        messageId,
        ...errorAttributes(error),
      });
      return false;
    }
  }

  #waitForRoom(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.#wakeRoom === done) this.#wakeRoom = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.#options.roomCheckMs);
      signal.addEventListener('abort', done, { once: true });
      this.#wakeRoom = done;
    });
  }

  /** Extends the visibility of every message held longer than one heartbeat since its last extension. */
  #extendVisibility(): void {
    const now = performance.now();
    const due = this.#options.heartbeatIntervalSeconds * 1_000 * 0.9;
    for (const held of this.#held.values()) {
      if (now - held.lastExtendedAt < due) continue;
      held.lastExtendedAt = now;
      void this.#batcher.changeVisibility(held.receiptHandle, this.#options.visibilityTimeoutSeconds);
    }
  }
}

function toSendQueueMessage(message: Message, queueUrl: string): SendQueueMessage {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
  const sentAt = Number(message.Attributes?.SentTimestamp);
  return {
    sqsMessageId: message.MessageId ?? '',
    queueUrl,
    body: message.Body ?? '',
    attributes,
    receiveCount: Number.isFinite(receiveCount) && receiveCount >= 1 ? receiveCount : 1,
    ...(Number.isFinite(sentAt) && sentAt > 0 ? { sentAt } : {}),
  };
}
