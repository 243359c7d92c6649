/** What `npm run send` exits with, in one table, so scripts can tell the outcomes apart. */
import type { FinalState } from '../../core/messageState.js';
import { SendApiError, SendAuthError, SendUsageError } from './errors.js';

export const sendExitCodes = {
  /** Sent (accepted), valid (--dry-run), or delivered (--follow). */
  ok: 0,
  /** --follow: the message ended in a state other than delivered (undeliverable, rejected, …, unknown). */
  notDelivered: 1,
  /** The command line is wrong, no credentials to sign with, or the API refused the request (4xx): fix it first. */
  usage: 2,
  /** --follow: no final state before --timeout. */
  timedOut: 3,
  /** No answer (network), a 5xx, or an answer the API does not give: may work if tried again. */
  unavailable: 4,
} as const;
export type SendExitCode = (typeof sendExitCodes)[keyof typeof sendExitCodes];

/** `unknown` is final but not a delivery: a script waiting for "delivered" must not take it as one. */
export function exitCodeForFinalState(state: FinalState): SendExitCode {
  return state === 'delivered' ? sendExitCodes.ok : sendExitCodes.notDelivered;
}

/**
 * A refused request (usage, a 4xx) is the caller's to fix. Anything else may pass when tried again: no
 * answer, a 5xx, a strange answer, and the 4xx that say so (429 throttled, 409 still in progress).
 */
export function exitCodeForError(error: unknown): SendExitCode {
  if (error instanceof SendUsageError || error instanceof SendAuthError) return sendExitCodes.usage;
  if (
    error instanceof SendApiError &&
    error.status < 500 &&
    error.status !== 429 &&
    error.body?.retryable !== true
  ) {
    return sendExitCodes.usage;
  }
  return sendExitCodes.unavailable;
}
