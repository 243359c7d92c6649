/**
 * Errors of the record store and the event publisher. AWS SDK errors are translated here (conditional
 * failures become these typed errors or plain results); anything unexpected is wrapped with the operation
 * that failed and its cause, so the caller can answer "try again later" without knowing the SDK.
 */

/** A DynamoDB call failed for a reason other than a condition this code expects. Retrying later may work. */
export class MessageStoreError extends Error {
  override readonly name = 'MessageStoreError';
  readonly operation: string;

  constructor(operation: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.name}: ${options.cause.message}` : '';
    super(`message store ${operation} failed${cause}`, options);
    this.operation = operation;
  }
}

/**
 * The message's claim is no longer this attempt's (it expired and another attempt took it over): the
 * outcome this attempt knows was not recorded on the message.
 */
export class ClaimLostError extends Error {
  override readonly name = 'ClaimLostError';
  readonly messageId: string;
  /** The status and claim owner found instead, if the record was returned. */
  readonly found?: { status: string; claimOwner?: string };

  constructor(messageId: string, found?: { status: string; claimOwner?: string }) {
    super(
      `message ${messageId} is no longer claimed by this attempt${found ? ` (now ${found.status}, claimed by ${found.claimOwner ?? 'nobody'})` : ''}`,
    );
    this.messageId = messageId;
    if (found) this.found = found;
  }
}
