/** Errors of `npm run send`. cli.ts turns each into a message and an exit code (sendExitCodes). */
import type { ErrorResponse } from '../../core/openApi.js';

/** A command line that cannot be run (unknown flag, missing --to, a bad value). */
export class SendUsageError extends Error {
  override readonly name = 'SendUsageError';
}

/** The API answered with an error status (4xx: the request is wrong; 5xx: the API's fault). */
export class SendApiError extends Error {
  override readonly name = 'SendApiError';

  constructor(
    readonly status: number,
    /** The API's JSON error body; undefined when the body was not one (e.g. a proxy's HTML page). */
    readonly body: ErrorResponse | undefined,
    /** The body as received, for answers that are not the API's JSON. */
    readonly text: string,
    readonly url: string,
  ) {
    super(body?.error ?? `${url} answered ${status}`);
  }
}

/** The API answered 2xx with something that is not what it documents (wrong URL, a different service). */
export class SendUnexpectedAnswerError extends Error {
  override readonly name = 'SendUnexpectedAnswerError';

  constructor(
    readonly status: number,
    readonly url: string,
    readonly detail: string,
  ) {
    super(`${url} answered ${status} with ${detail}`);
  }
}

/** No HTTP answer at all: nothing listening, DNS, TLS, a timeout. */
export class SendNetworkError extends Error {
  override readonly name = 'SendNetworkError';

  constructor(
    readonly url: string,
    /** The system error code when there is one: ECONNREFUSED, ENOTFOUND, ETIMEDOUT, … */
    readonly code: string | undefined,
    options?: ErrorOptions,
  ) {
    super(`could not reach ${url}${code === undefined ? '' : ` (${code})`}`, options);
  }
}

/** The request could not be signed or given its credentials (e.g. no AWS credentials for --sigv4). */
export class SendAuthError extends Error {
  override readonly name = 'SendAuthError';
}
