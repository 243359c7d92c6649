/** Errors of core/runtime. */
import type { FieldError } from '../fieldErrors.js';

/** A constructor's options are invalid: the message names each bad field, one line each. */
export class InvalidOptionsError extends TypeError {
  override readonly name: string = 'InvalidOptionsError';
  readonly errors: readonly FieldError[];

  /** `what` names whose options they are, e.g. `SQS consumer`. */
  constructor(what: string, errors: readonly FieldError[], options?: ErrorOptions) {
    super(
      `invalid ${what} options:\n${errors.map((error) => `  - ${error.field}: ${error.message}`).join('\n')}`,
      options,
    );
    this.errors = errors;
  }
}
