/**
 * The send routes' velocity check (issue 15): for a sub-account with `velocityLimits`, each message is
 * counted once (keyed by its message id) before it is recorded; over a limit it is refused with the limit
 * named and when to try again. One TransactWriteItems per message; none for a sub-account without limits.
 * The worker does not count a message the API recorded (its claim finds it `accepted`), and a copy that
 * reaches it anyway finds the marker: never counted twice.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { VelocityCountConflictError } from '../../core/errors.js';
import type { FieldError } from '../../core/fieldErrors.js';
import { apiErrorCodes } from '../../core/openApi.js';
import {
  countWithConflictRetries,
  describeVelocityRefusal,
  retryAfterSeconds,
  velocityCount,
} from '../../core/velocityLimits.js';
import type { SubAccountRoute } from './apiConfig.js';
import { StorageUnavailableError } from './errors.js';
import { errorResponse } from './http.js';
import type { VelocityCounter } from './VelocityCounter.js';

/** A message refused by a velocity limit: what the caller is told. */
export interface VelocityRefusal {
  retryAfterSeconds: number;
  error: FieldError;
  message: string;
}

/** Fails at build time, not on the first request, when a sub-account has limits and no counter was given. */
export function requireVelocityCounter(
  subAccounts: ReadonlyMap<string, Pick<SubAccountRoute, 'velocityLimits'>>,
  counter: VelocityCounter | undefined,
): VelocityCounter | undefined {
  const limited = [...subAccounts].filter(([, route]) => route.velocityLimits !== undefined);
  if (limited.length > 0 && counter === undefined) {
    throw new TypeError(
      `sub-accounts ${limited.map(([id]) => id).join(', ')} have velocityLimits but the handler has no velocity counter`,
    );
  }
  return counter;
}

/** Counts one message; the refusal when it is over a limit, undefined when it may go on (or has no limits). */
export async function checkVelocity(
  counter: VelocityCounter | undefined,
  route: Pick<SubAccountRoute, 'velocityLimits'> | undefined,
  message: { subAccount: string; messageId: string; to: string },
  now: number,
): Promise<VelocityRefusal | undefined> {
  const limits = route?.velocityLimits;
  if (counter === undefined || limits === undefined) return undefined;
  const count = velocityCount({ ...message, now }, limits);
  const decision = await countWithConflictRetries(() => counter.count(count, message.messageId));
  if (decision.kind === 'allowed') return undefined;
  return {
    retryAfterSeconds: retryAfterSeconds(decision.retryAt, now),
    error: { field: 'to', message: `${message.to} is ${describeVelocityRefusal(decision, limits, now)}` },
    message:
      decision.reason === 'daily-cap'
        ? 'The sub-account’s daily message cap is reached: nothing was sent'
        : 'The destination number’s velocity limit is reached: nothing was sent',
  };
}

/** The 429 of POST /messages. */
export function rateLimitedResponse(refusal: VelocityRefusal, requestId: string): APIGatewayProxyResult {
  return errorResponse(429, apiErrorCodes.rateLimited, refusal.message, {
    errors: [refusal.error],
    requestId,
    headers: { 'Retry-After': String(refusal.retryAfterSeconds) },
  });
}

/** The answer for a counter failure, or undefined for any other error (rethrown by the caller). */
export function velocityStorageAnswer(error: unknown, requestId: string): APIGatewayProxyResult | undefined {
  if (!(error instanceof StorageUnavailableError) && !(error instanceof VelocityCountConflictError)) {
    return undefined;
  }
  return errorResponse(
    503,
    apiErrorCodes.storageUnavailable,
    'The velocity counters could not be reached: retry',
    {
      requestId,
      retryable: true,
      headers: { 'Retry-After': '1' },
    },
  );
}
