/**
 * What the /suppressions routes share: the request read and checked, the sub-account annotated, and the
 * answers for a bad request (400 naming the field) and for storage that could not be reached (503).
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { FieldError } from '../../core/fieldErrors.js';
import { apiErrorCodes } from '../../core/openApi.js';
import type { SubAccountRoute } from './apiConfig.js';
import {
  type ApiHandler,
  type ApiRuntime,
  createApiHandler,
  type HandledRoute,
  type RequestScope,
} from './apiHandler.js';
import { StorageUnavailableError } from './errors.js';
import { errorResponse } from './http.js';
import type { SuppressionRef } from './SuppressionStore.js';
import { readSuppressionRequest } from './suppressionRequest.js';

export interface SuppressionRouteDeps {
  runtime: ApiRuntime;
  subAccounts: ReadonlyMap<string, Pick<SubAccountRoute, 'keepsSuppressionList'>>;
}

/**
 * A /suppressions/{number} handler: `run` gets the checked number and sub-account; a storage failure it
 * throws is answered 503 and logged as `failure` (anything else is rethrown, a 500).
 */
export function createSuppressionRoute(
  route: HandledRoute,
  deps: SuppressionRouteDeps,
  failure: string,
  run: (ref: SuppressionRef, scope: RequestScope) => Promise<APIGatewayProxyResult>,
): ApiHandler {
  return createApiHandler(route, deps.runtime, async (event, scope) => {
    const request = readSuppressionRequest(event, deps.subAccounts);
    if (!request.ok) return invalidSuppressionRequest(request.errors, scope.requestId);
    scope.annotate({ subAccount: request.ref.subAccount });
    try {
      return await run(request.ref, scope);
    } catch (error) {
      const answer = suppressionStorageAnswer(error, scope.requestId);
      if (answer === undefined) throw error;
      scope.logger.error({ message: failure }, error as Error);
      return answer;
    }
  });
}

function invalidSuppressionRequest(errors: FieldError[], requestId: string): APIGatewayProxyResult {
  return errorResponse(
    400,
    apiErrorCodes.invalidRequest,
    `The suppression request is invalid: ${errors.map((error) => `${error.field} ${error.message}`).join('; ')}`,
    { errors, requestId },
  );
}

/** The answer for a storage failure, or undefined for any other error (rethrown by the caller). */
export function suppressionStorageAnswer(
  error: unknown,
  requestId: string,
): APIGatewayProxyResult | undefined {
  if (!(error instanceof StorageUnavailableError)) return undefined;
  return errorResponse(
    503,
    apiErrorCodes.storageUnavailable,
    'The suppression list could not be reached: retry',
    {
      requestId,
      retryable: true,
      headers: { 'Retry-After': '1' },
    },
  );
}
