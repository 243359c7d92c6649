/**
 * Errors of the SMPP session layer. Each says whether the SMSC may already have acted on the request
 * (`inDoubt`): a submit_sm that was written to the socket but never answered may have been accepted, so
 * the sending path must record it as in doubt instead of silently resending it.
 */

export class SmppError extends Error {
  /** True when the request reached the socket and no answer came: the SMSC may have acted on it. */
  readonly inDoubt: boolean;

  constructor(message: string, options: { inDoubt: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SmppError';
    this.inDoubt = options.inDoubt;
  }
}

/** No response arrived within the request timeout. */
export class SmppResponseTimeoutError extends SmppError {
  readonly command: string;
  readonly sequenceNumber: number;
  readonly timeoutMs: number;

  constructor(context: { command: string; sequenceNumber: number; timeoutMs: number }) {
    super(`${context.command} #${context.sequenceNumber} got no response within ${context.timeoutMs} ms`, {
      inDoubt: true,
    });
    this.name = 'SmppResponseTimeoutError';
    this.command = context.command;
    this.sequenceNumber = context.sequenceNumber;
    this.timeoutMs = context.timeoutMs;
  }
}

/** The connection closed while the request waited for its response (or before it could be written). */
export class SmppConnectionClosedError extends SmppError {
  readonly command: string;
  readonly reason: string;

  constructor(context: { command: string; reason: string; written: boolean; cause?: unknown }) {
    super(`${context.command} failed: connection closed (${context.reason})`, {
      inDoubt: context.written,
      cause: context.cause,
    });
    this.name = 'SmppConnectionClosedError';
    this.command = context.command;
    this.reason = context.reason;
  }
}

/** The bind is not bound (connecting, backing off or stopped); nothing was sent. */
export class SmppNotBoundError extends SmppError {
  readonly status: string;

  constructor(context: { status: string }) {
    super(`bind is ${context.status}, not bound`, { inDoubt: false });
    this.name = 'SmppNotBoundError';
    this.status = context.status;
  }
}

/** The credentials could not be had (the password source failed): no connection was attempted. */
export class SmppCredentialsUnavailableError extends SmppError {
  constructor(cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const why = cause instanceof Error && cause.cause instanceof Error ? ` (${cause.cause.name})` : '';
    super(`credentials unavailable: ${reason}${why}`, { inDoubt: false, cause });
    this.name = 'SmppCredentialsUnavailableError';
  }
}

/** The SMSC answered the bind request with an error status. */
export class SmppBindRejectedError extends SmppError {
  readonly commandStatus: number;
  readonly statusName: string;

  constructor(context: { commandStatus: number; statusName: string }) {
    super(
      `bind rejected by the SMSC: ${context.statusName} (0x${context.commandStatus.toString(16).padStart(8, '0')})`,
      {
        inDoubt: false,
      },
    );
    this.name = 'SmppBindRejectedError';
    this.commandStatus = context.commandStatus;
    this.statusName = context.statusName;
  }
}

/** The peer broke the protocol (generic_nack, unknown command, malformed PDU); the connection is closed. */
export class SmppProtocolError extends SmppError {
  constructor(message: string, options: { inDoubt?: boolean; cause?: unknown } = {}) {
    super(message, { inDoubt: options.inDoubt ?? false, cause: options.cause });
    this.name = 'SmppProtocolError';
  }
}
