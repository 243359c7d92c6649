/** Errors thrown by core/. Each sets `name` and carries what a caller needs to report it. */
import type { FieldError } from './fieldErrors.js';

/** The fleet config is invalid: the message lists every problem, one line each, by path. */
export class FleetConfigError extends Error {
  override readonly name = 'FleetConfigError';
  readonly errors: readonly FieldError[];

  constructor(errors: readonly FieldError[], options?: ErrorOptions) {
    super(
      `invalid fleet config:\n${errors.map((error) => `  - ${error.field}: ${error.message}`).join('\n')}`,
      options,
    );
    this.errors = errors;
  }
}

/**
 * The velocity counters kept losing races (TransactionConflict: other messages counted against the same
 * items at the same moment): nothing was counted; the same request may be retried.
 */
export class VelocityCountConflictError extends Error {
  override readonly name = 'VelocityCountConflictError';
  readonly tries: number;

  constructor(tries: number) {
    super(`velocity counters: ${tries} transaction conflicts in a row; nothing was counted, retry`);
    this.tries = tries;
  }
}
