/** Errors of worker/leases. Store failures are not wrapped: the manager reports them as `storeError` events. */
import type { FieldError } from '../../core/fieldErrors.js';

/** LeaseManager options that cannot keep the bind cap (e.g. a heartbeat too slow for the lease period). */
export class LeaseManagerOptionsError extends Error {
  override readonly name = 'LeaseManagerOptionsError';
  readonly errors: readonly FieldError[];

  constructor(errors: readonly FieldError[], options?: ErrorOptions) {
    super(
      `invalid lease manager options:\n${errors.map((error) => `  - ${error.field}: ${error.message}`).join('\n')}`,
      options,
    );
    this.errors = errors;
  }
}

/** start() after stop(): a manager's slots and presence belong to one run. */
export class LeaseManagerStoppedError extends Error {
  override readonly name = 'LeaseManagerStoppedError';

  constructor() {
    super('this LeaseManager was stopped; create a new one to take slots again');
  }
}
