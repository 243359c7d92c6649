/** Errors of the worker's guardrail stores: SDK errors wrapped with the operation that failed. */

/** A suppression-list call failed; the caller retries later (the SQS message or the deliver_sm comes back). */
export class SuppressionListError extends Error {
  override readonly name = 'SuppressionListError';
  readonly operation: string;

  constructor(operation: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.name}: ${options.cause.message}` : '';
    super(`suppression list ${operation} failed${cause}`, options);
    this.operation = operation;
  }
}

/** A velocity-counter call failed; the SQS message comes back and is counted then (once: the marker). */
export class VelocityCounterError extends Error {
  override readonly name = 'VelocityCounterError';
  readonly operation: string;

  constructor(operation: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.name}: ${options.cause.message}` : '';
    super(`velocity counter ${operation} failed${cause}`, options);
    this.operation = operation;
  }
}
