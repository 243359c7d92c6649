/**
 * Puts send requests straight into a sub-account's send queue (SendMessageBatch, tens), as a direct
 * producer does, and says which message id each one will have (core/messageId.ts: the idempotency key's
 * id for a valid keyed request, else the SQS message's).
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { messageIdForIdempotencyKey, messageIdForSqsMessage } from '../../core/messageId.js';
import { mapLimit } from './poll.js';

export type QueueBody = Record<string, unknown> | string;

export interface SendToQueueOptions {
  subAccount: string;
  /** Whether the worker will find the body valid (only a valid request takes its key's id). @default keyed bodies are valid */
  isValid?: (body: QueueBody) => boolean;
  /** SendMessageBatch calls at a time. @default 1 */
  concurrency?: number;
}

export async function sendToQueue(
  sqs: SQSClient,
  queueUrl: string,
  bodies: readonly QueueBody[],
  options: SendToQueueOptions,
): Promise<string[]> {
  const chunks: QueueBody[][] = [];
  for (let start = 0; start < bodies.length; start += 10) chunks.push(bodies.slice(start, start + 10));
  const idsPerChunk = await mapLimit(chunks, options.concurrency ?? 1, async (chunk) => {
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((body, index) => ({
          Id: String(index),
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        })),
      }),
    );
    if ((result.Failed ?? []).length > 0)
      throw new Error(`SendMessageBatch failed: ${JSON.stringify(result.Failed)}`);
    const sqsIds = new Map((result.Successful ?? []).map((entry) => [entry.Id, entry.MessageId ?? '']));
    return chunk.map((body, index) => {
      const key = typeof body === 'string' ? undefined : body.idempotencyKey;
      const valid = options.isValid?.(body) ?? true;
      return typeof key === 'string' && valid
        ? messageIdForIdempotencyKey(options.subAccount, key)
        : messageIdForSqsMessage(queueUrl, sqsIds.get(String(index)) ?? '');
    });
  });
  return idsPerChunk.flat();
}
