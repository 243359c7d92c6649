/** Where accepted send requests go: the sub-account's SQS queue (the port; SqsSendQueue is the adapter). */
import type { OutgoingMessage } from './messageItem.js';

export type BatchSendResult = { ok: true } | { ok: false; retryable: boolean; reason: string };

export interface SendQueue {
  /** Throws QueueUnavailableError when the message was not queued. */
  send(queueUrl: string, message: OutgoingMessage): Promise<void>;
  /** Sends in batches of 10; answers one result per message id, in any order. Never throws. */
  sendBatch(queueUrl: string, messages: readonly OutgoingMessage[]): Promise<Map<string, BatchSendResult>>;
}
