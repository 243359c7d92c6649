/** SendQueue on SQS: SendMessage for one request, SendMessageBatch (10 at a time, in parallel) for many. */
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QueueUnavailableError } from './errors.js';
import type { OutgoingMessage } from './messageItem.js';
import type { BatchSendResult, SendQueue } from './SendQueue.js';

/** SQS takes at most 10 entries per SendMessageBatch. */
export const sqsBatchSize = 10;

export class SqsSendQueue implements SendQueue {
  readonly #client: SQSClient;
  readonly #subAccountOf: (queueUrl: string) => string;

  /** `subAccountOf` names the sub-account of a queue in errors. */
  constructor(client: SQSClient, subAccountOf: (queueUrl: string) => string = (url) => url) {
    this.#client = client;
    this.#subAccountOf = subAccountOf;
  }

  async send(queueUrl: string, message: OutgoingMessage): Promise<void> {
    try {
      await this.#client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: message.body,
          MessageAttributes: message.attributes,
        }),
      );
    } catch (error) {
      throw new QueueUnavailableError(message.messageId, this.#subAccountOf(queueUrl), { cause: error });
    }
  }

  async sendBatch(
    queueUrl: string,
    messages: readonly OutgoingMessage[],
  ): Promise<Map<string, BatchSendResult>> {
    const results = new Map<string, BatchSendResult>();
    const chunks: OutgoingMessage[][] = [];
    for (let start = 0; start < messages.length; start += sqsBatchSize) {
      chunks.push(messages.slice(start, start + sqsBatchSize));
    }
    await Promise.all(chunks.map((chunk) => this.#sendChunk(queueUrl, chunk, results)));
    return results;
  }

  async #sendChunk(
    queueUrl: string,
    chunk: readonly OutgoingMessage[],
    results: Map<string, BatchSendResult>,
  ) {
    // Entry ids only need to be unique within one call: the position in the chunk.
    const byEntryId = new Map(chunk.map((message, index) => [`m${index}`, message]));
    try {
      const answer = await this.#client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [...byEntryId].map(([entryId, message]) => ({
            Id: entryId,
            MessageBody: message.body,
            MessageAttributes: message.attributes,
          })),
        }),
      );
      for (const entry of answer.Successful ?? []) {
        const message = entry.Id === undefined ? undefined : byEntryId.get(entry.Id);
        if (message !== undefined) results.set(message.messageId, { ok: true });
      }
      for (const entry of answer.Failed ?? []) {
        const message = entry.Id === undefined ? undefined : byEntryId.get(entry.Id);
        if (message === undefined) continue;
        results.set(message.messageId, {
          ok: false,
          // A sender fault (e.g. invalid contents) fails again on retry; anything else may pass next time.
          retryable: entry.SenderFault !== true,
          reason: `${entry.Code ?? 'unknown'}: ${entry.Message ?? 'no message'}`,
        });
      }
      for (const message of chunk) {
        if (!results.has(message.messageId)) {
          results.set(message.messageId, {
            ok: false,
            retryable: true,
            reason: 'SQS did not report this entry',
          });
        }
      }
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      for (const message of chunk) results.set(message.messageId, { ok: false, retryable: true, reason });
    }
  }
}
