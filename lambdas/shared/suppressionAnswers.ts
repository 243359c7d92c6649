/** What the /suppressions routes answer in common: a bad request, and storage that could not be reached. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { FieldError } from '../../core/fieldErrors.js';
import { apiErrorCodes } from '../../core/openApi.js';
import { StorageUnavailableError } from './errors.js';
import { errorResponse } from './http.js';

export function invalidSuppressionRequest(errors: FieldError[], requestId: string): APIGatewayProxyResult {
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
