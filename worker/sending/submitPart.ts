/**
 * One part through the pool until it has an outcome: accepted, refused for good, unknown (at-most-once in
 * doubt), or unsent for now. Retryable refusals are retried with capped, jittered backoff up to
 * `maxAttempts` (the bind already retried ESME_RTHROTTLED itself); past that the SQS redelivery retries the
 * message, and its DLQ caps that.
 *
 * A submit that may have reached the SMSC without an answer (in doubt) first waits `lateResponseGraceMs`
 * for a late submit_sm_resp, which settles the question either way. Without one:
 * - at-least-once: it is sent again, and the part records why it is in doubt;
 * - at-most-once: it is not sent again; the outcome is `unknown` with the reason.
 * A late resp that comes after that is handed to `onLateResponse`, so its id can still be recorded.
 */

import type { BackoffStrategy } from '../../core/backoff.js';
import type { InDoubtPolicy } from '../../core/fleetConfig.js';
import { sleepUnlessAborted } from '../runtime/sleepUnlessAborted.js';
import { systemTimers, type Timers } from '../runtime/Timers.js';
import type { SubmitSmOutcome } from '../smpp/SmppBind.js';
import type { SubmitSmRequest } from '../smpp/types.js';
import type { BindPool } from './BindPool.js';
import type { PartOutcome } from './PartOutcome.js';

export interface SubmitPartOptions {
  pool: Pick<BindPool, 'submit'>;
  request: SubmitSmRequest;
  /** The SMSC id as submit_sm_resp writes it → the correlation key (normaliseSmscMessageId + respIdFormat). */
  normalise: (smscMessageId: string) => string;
  inDoubtPolicy: InDoubtPolicy;
  /** submit_sm per part in this attempt, the first included. */
  maxAttempts: number;
  backoff: BackoffStrategy;
  lateResponseGraceMs: number;
  /** No new retry starts after this (epoch ms by `now`). */
  deadlineAt: number;
  now: () => number;
  /** Aborted when the worker stops: no more retries, no more waiting. */
  signal: AbortSignal;
  /** @default the global setTimeout/clearTimeout */
  timers?: Timers;
  /** A late answer to a submit that was already given up on or resent. */
  onLateResponse: (outcome: SubmitSmOutcome) => void;
}

export async function submitPart(options: SubmitPartOptions): Promise<PartOutcome> {
  const { pool, request, signal } = options;
  const timers = options.timers ?? systemTimers;
  let attempts = 0;
  let doubt: string | undefined;
  let lastStatus: { commandStatus: number; statusName: string } | undefined;
  const withDoubt = <T extends object>(outcome: T): T =>
    doubt === undefined ? outcome : { ...outcome, doubt };
  const unsent = (cause: 'retries-exhausted' | 'no-bind' | 'stopping'): PartOutcome =>
    withDoubt({ kind: 'unsent', cause, attempts, ...(lastStatus === undefined ? {} : { lastStatus }) });

  for (;;) {
    if (signal.aborted) return unsent('stopping');
    const result = await pool.submit(request);
    if (result.kind === 'no-bind') return unsent('no-bind');
    attempts += 1;

    let answer: SubmitSmOutcome | undefined;
    if (result.kind === 'in-doubt') {
      answer = await firstOf(result.lateResponse, options.lateResponseGraceMs, signal, timers);
      if (answer === undefined) {
        void result.lateResponse.then((late) => {
          if (late !== undefined) options.onLateResponse(late);
        });
        if (options.inDoubtPolicy === 'at-most-once') {
          return { kind: 'unknown', attempts, doubt: `${result.reason}; not sent again (at-most-once)` };
        }
        doubt = `${result.reason}; sent again (at-least-once)`;
        if (attempts >= options.maxAttempts || options.now() >= options.deadlineAt)
          return unsent('retries-exhausted');
        continue;
      }
    } else if (result.kind === 'accepted') {
      answer = { accepted: true, messageId: result.smscMessageId, throttledRetries: 0 };
    } else {
      answer = {
        accepted: false,
        commandStatus: result.commandStatus,
        statusName: result.statusName,
        retryable: result.retryable,
        throttledRetries: 0,
      };
    }

    if (answer.accepted) {
      return withDoubt({
        kind: 'accepted',
        smscMessageId: answer.messageId,
        normalisedSmscMessageId: options.normalise(answer.messageId),
        attempts,
      });
    }
    if (!answer.retryable) {
      return withDoubt({
        kind: 'refused',
        commandStatus: answer.commandStatus,
        statusName: answer.statusName,
        attempts,
      });
    }
    lastStatus = { commandStatus: answer.commandStatus, statusName: answer.statusName };
    const wait = options.backoff(attempts - 1);
    if (attempts >= options.maxAttempts || options.now() + wait >= options.deadlineAt)
      return unsent('retries-exhausted');
    await sleepUnlessAborted(wait, signal, timers);
  }
}

/** The promise's value if it settles within `ms` (and before `signal` aborts), else undefined. */
function firstOf<T>(
  promise: Promise<T | undefined>,
  ms: number,
  signal: AbortSignal,
  timers: Timers,
): Promise<T | undefined> {
  return new Promise((resolve) => {
    const finish = (value: T | undefined) => {
      timers.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => finish(undefined);
    const timer = timers.setTimeout(() => finish(undefined), ms);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(finish, () => finish(undefined));
  });
}
