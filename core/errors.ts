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
