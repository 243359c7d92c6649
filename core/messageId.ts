/**
 * Message ids, and how a send request's id travels with it through SQS.
 *
 * Idempotency across paths: a request with an `idempotencyKey` gets an id DERIVED from (sub-account, key),
 * so the API and the worker — whichever sees the request first, through the API or straight through SQS —
 * compute the same id and meet on the same message record; the record's conditional writes then make sure
 * one SMS is sent. Without a key, the API makes a random id and passes it to the worker in a message
 * attribute; a direct SQS producer's message gets an id derived from its SQS MessageId, so a redelivery of
 * the same SQS message maps to the same record.
 */
import { createHash, randomUUID } from 'node:crypto';

/** SQS message attributes the fleet reads and writes (String type). Direct producers may omit both. */
export const sqsMessageAttributes = {
  /** The message id the API already recorded the request under. */
  messageId: 'smppFleetMessageId',
  /** Follows a message from the API request to its receipt in logs (the API Gateway request id). */
  correlationId: 'smppFleetCorrelationId',
} as const;

/** A UUID-shaped id from a SHA-256 of the parts (stable across processes and releases). */
function derivedId(...parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  // Version 8 ("custom") UUID layout so it reads as a UUID and cannot collide with random v4 ids.
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The id of a request with an idempotency key: the same for every path and every retry. */
export function messageIdForIdempotencyKey(subAccount: string, idempotencyKey: string): string {
  return derivedId('idempotency', subAccount, idempotencyKey);
}

/** The id of a request put straight into SQS without a key: the same for every redelivery of it. */
export function messageIdForSqsMessage(queueUrl: string, sqsMessageId: string): string {
  return derivedId('sqs', queueUrl, sqsMessageId);
}

/** A fresh id for a request without a key that came through the API. */
export function newMessageId(): string {
  return randomUUID();
}
