/** Errors of worker/leases. Store failures are not wrapped: the manager reports them as `storeError` events. */
import type { FieldError } from '../../core/fieldErrors.js';
import { InvalidOptionsError } from '../../core/runtime/errors.js';

/** LeaseManager options that cannot keep the bind cap (e.g. a heartbeat too slow for the lease period). */
export class LeaseManagerOptionsError extends InvalidOptionsError {
  override readonly name = 'LeaseManagerOptionsError';

  constructor(errors: readonly FieldError[], options?: ErrorOptions) {
    super('lease manager', errors, options);
  }
}

/** start() after stop(): a manager's slots and presence belong to one run. */
export class LeaseManagerStoppedError extends Error {
  override readonly name = 'LeaseManagerStoppedError';

  constructor() {
    super('this LeaseManager was stopped; create a new one to take slots again');
  }
}
