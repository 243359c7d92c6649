/**
 * `--follow`: polls the message record until its state is final or the deadline passes, reporting each
 * state it sees once. Polls back off (×1.5 from 250 ms to 5 s) while nothing changes and start again fast
 * after a change, because states come in bursts (submitted, then the receipt a moment later). A 5xx or a
 * network failure while following is retried until the deadline: the message is on its way regardless.
 * The clock and the sleep are injected so the loop runs under fake timers in tests.
 */
import { type FinalState, isFinalState, type MessageState } from '../../core/messageState.js';
import type { MessageRecord } from '../../core/openApi.js';
import { SendApiError, SendNetworkError } from './errors.js';

export interface StateChange {
  status: MessageState;
  /** undefined for the first state seen. */
  previous: MessageState | undefined;
  /** Epoch ms when this poll saw it. */
  seenAt: number;
  /** Since following started. */
  elapsedMs: number;
  record: MessageRecord;
}

export type FollowOutcome =
  | { kind: 'final'; status: FinalState; record: MessageRecord; elapsedMs: number }
  | { kind: 'timeout'; record: MessageRecord | undefined; elapsedMs: number };

export interface FollowMessageOptions {
  messageId: string;
  getMessage(messageId: string): Promise<MessageRecord>;
  timeoutMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
  onChange(change: StateChange): void;
  /** A poll failed in a way worth retrying; called once per failure. */
  onRetry?(error: Error): void;
  /** @default 250 */
  initialDelayMs?: number;
  /** @default 5000 */
  maxDelayMs?: number;
}

/** The wait before the next poll, after `unchangedPolls` polls in a row that saw nothing new. */
export function pollDelayMs(unchangedPolls: number, initialDelayMs = 250, maxDelayMs = 5_000): number {
  return Math.min(maxDelayMs, Math.round(initialDelayMs * 1.5 ** unchangedPolls));
}

/** Worth another poll: the API or the network failed, not the request. */
export function isRetryableWhileFollowing(error: unknown): error is Error {
  return (
    error instanceof SendNetworkError ||
    (error instanceof SendApiError && (error.status >= 500 || error.status === 429))
  );
}

export async function followMessage(options: FollowMessageOptions): Promise<FollowOutcome> {
  const { now, sleep } = options;
  const startedAt = now();
  const deadline = startedAt + options.timeoutMs;
  let last: MessageRecord | undefined;
  let unchangedPolls = 0;
  for (;;) {
    let record: MessageRecord | undefined;
    try {
      record = await options.getMessage(options.messageId);
    } catch (error) {
      if (!isRetryableWhileFollowing(error)) throw error;
      options.onRetry?.(error);
    }
    const seenAt = now();
    if (record !== undefined) {
      if (record.status !== last?.status) {
        options.onChange({
          status: record.status,
          previous: last?.status,
          seenAt,
          elapsedMs: seenAt - startedAt,
          record,
        });
        unchangedPolls = 0;
      } else {
        unchangedPolls += 1;
      }
      last = record;
      if (isFinalState(record.status)) {
        return { kind: 'final', status: record.status, record, elapsedMs: seenAt - startedAt };
      }
    } else {
      unchangedPolls += 1;
    }
    const remaining = deadline - seenAt;
    if (remaining <= 0) return { kind: 'timeout', record: last, elapsedMs: seenAt - startedAt };
    // The last poll lands on the deadline, so a state reached just before it is still seen.
    await sleep(Math.min(remaining, pollDelayMs(unchangedPolls, options.initialDelayMs, options.maxDelayMs)));
  }
}
