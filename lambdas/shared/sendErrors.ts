/** The answer to each way accepting a send request can fail: 409 for the caller's conflicts, 503 for ours. */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyInconsistentStateError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { apiErrorCodes } from '../../core/openApi.js';
import { IdempotencyConflictError, QueueUnavailableError, StorageUnavailableError } from './errors.js';
import { errorResponse } from './http.js';

/** Seconds a caller should wait before retrying a 409 in-progress or a 503. */
export const retryAfterSeconds = 1;

export function idempotencyKeyReusedMessage(idempotencyKey: string, messageId: string): string {
  return (
    `idempotencyKey ${JSON.stringify(idempotencyKey)} was already used for a different request (message ${messageId}). ` +
    'Send the same request to get the first answer again, or use a new key for a new message.'
  );
}

/** The answer for an error thrown while accepting, or undefined when it is not one of the known kinds. */
export function answerForSendError(
  error: unknown,
  context: { requestId: string; messageId: string; idempotencyKey?: string },
): { response: APIGatewayProxyResult; kind: 'conflict' | 'inProgress' | 'unavailable' } | undefined {
  const { requestId, messageId } = context;
  const retryHeaders = { 'Retry-After': String(retryAfterSeconds) };
  if (error instanceof IdempotencyValidationError || error instanceof IdempotencyConflictError) {
    return {
      kind: 'conflict',
      response: errorResponse(
        409,
        apiErrorCodes.idempotencyKeyReused,
        idempotencyKeyReusedMessage(context.idempotencyKey ?? '', messageId),
        { requestId, messageId },
      ),
    };
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return {
      kind: 'inProgress',
      response: errorResponse(
        409,
        apiErrorCodes.idempotencyRequestInProgress,
        'A request with this idempotencyKey is still being handled: retry in a moment to get its answer',
        { requestId, messageId, retryable: true, headers: retryHeaders },
      ),
    };
  }
  if (error instanceof QueueUnavailableError) {
    return {
      kind: 'unavailable',
      response: errorResponse(
        503,
        apiErrorCodes.queueUnavailable,
        'The message could not be queued. Retry the same request' +
          (context.idempotencyKey === undefined
            ? ' (give an idempotencyKey to make retries safe against duplicates)'
            : ' with the same idempotencyKey: it will not send twice'),
        { requestId, retryable: true, headers: retryHeaders },
      ),
    };
  }
  if (
    error instanceof StorageUnavailableError ||
    error instanceof IdempotencyPersistenceLayerError ||
    error instanceof IdempotencyInconsistentStateError
  ) {
    return {
      kind: 'unavailable',
      response: errorResponse(
        503,
        apiErrorCodes.storageUnavailable,
        'The message could not be recorded. Retry the same request',
        { requestId, retryable: true, headers: retryHeaders },
      ),
    };
  }
  return undefined;
}
