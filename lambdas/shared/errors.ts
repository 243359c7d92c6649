/** Errors raised by the API handlers' adapters and wiring. Each sets `name`, keeps `cause` and carries context. */
import type { FieldError } from '../../core/fieldErrors.js';

/** The handler's environment is incomplete or invalid: a deployment fault, never the caller's. */
export class ApiConfigError extends Error {
  override readonly name = 'ApiConfigError';
  readonly errors: readonly FieldError[];

  constructor(errors: readonly FieldError[], options?: ErrorOptions) {
    super(
      `invalid API environment:\n${errors.map((error) => `  - ${error.field}: ${error.message}`).join('\n')}`,
      options,
    );
    this.errors = errors;
  }
}

/** DynamoDB failed (throttled, unavailable, timed out): the same request may be retried. */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
  readonly operation: string;

  constructor(operation: string, options?: ErrorOptions) {
    super(`DynamoDB ${operation} failed`, options);
    this.operation = operation;
  }
}

/** SQS SendMessage failed: the record exists, the request was not queued; the same request may be retried. */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
  readonly messageId: string;
  readonly subAccount: string;

  constructor(messageId: string, subAccount: string, options?: ErrorOptions) {
    super(`SQS SendMessage for message ${messageId} (sub-account ${subAccount}) failed`, options);
    this.messageId = messageId;
    this.subAccount = subAccount;
  }
}

/** An idempotency key already names a message made from a different request. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
  readonly messageId: string;
  readonly idempotencyKey: string;

  constructor(messageId: string, idempotencyKey: string, options?: ErrorOptions) {
    super(
      `idempotency key ${idempotencyKey} already names message ${messageId}, made from a different request`,
      options,
    );
    this.messageId = messageId;
    this.idempotencyKey = idempotencyKey;
  }
}

/** EventBridge did not take an event after every retry. */
export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
  readonly eventId: string;
  /** EventBridge's ErrorCode for the entry, or the name of the error the call failed with. */
  readonly errorCode: string;
  readonly attempts: number;

  constructor(
    context: { eventId: string; errorCode: string; errorMessage?: string; attempts: number },
    options?: ErrorOptions,
  ) {
    super(
      `event ${context.eventId} was not published after ${context.attempts} attempts: ${context.errorCode}${context.errorMessage ? ` (${context.errorMessage})` : ''}`,
      options,
    );
    this.eventId = context.eventId;
    this.errorCode = context.errorCode;
    this.attempts = context.attempts;
  }
}

/** The publisher was stopped; nothing more is accepted. */
export class PublisherStoppedError extends Error {
  override readonly name = 'PublisherStoppedError';

  constructor() {
    super('the event publisher is stopped');
  }
}
