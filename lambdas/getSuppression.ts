/** GET /suppressions/{number}?subAccount=…: whether the number is on the sub-account's suppression list. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { apiErrorCodes, apiOperations, type SuppressionResponse } from '../core/openApi.js';
import { ApiResources } from './shared/ApiResources.js';
import type { SubAccountRoute } from './shared/apiConfig.js';
import { type ApiHandler, type ApiRuntime, createApiHandler, lazyApiHandler } from './shared/apiHandler.js';
import { errorResponse, jsonResponse } from './shared/http.js';
import type { SuppressionStore } from './shared/SuppressionStore.js';
import { invalidSuppressionRequest, suppressionStorageAnswer } from './shared/suppressionAnswers.js';
import { readSuppressionRequest } from './shared/suppressionRequest.js';

export interface GetSuppressionDeps {
  runtime: ApiRuntime;
  subAccounts: ReadonlyMap<string, Pick<SubAccountRoute, 'keepsSuppressionList'>>;
  store: Pick<SuppressionStore, 'get'>;
}

export function createGetSuppressionHandler(deps: GetSuppressionDeps): ApiHandler {
  return createApiHandler(apiOperations.getSuppression, deps.runtime, async (event, scope) => {
    const { requestId } = scope;
    const request = readSuppressionRequest(event, deps.subAccounts);
    if (!request.ok) return invalidSuppressionRequest(request.errors, requestId);
    const { ref } = request;
    scope.annotate({ subAccount: ref.subAccount });
    try {
      const suppression = await deps.store.get(ref);
      if (suppression === undefined) {
        return errorResponse(
          404,
          apiErrorCodes.suppressionNotFound,
          `${ref.phoneNumber} is not on sub-account ${ref.subAccount}’s suppression list`,
          { requestId },
        );
      }
      const answer: SuppressionResponse = { suppressed: true, suppression };
      return jsonResponse(200, answer);
    } catch (error) {
      const answer: APIGatewayProxyResult | undefined = suppressionStorageAnswer(error, requestId);
      if (answer === undefined) throw error;
      scope.logger.error({ message: 'could not read the suppression list' }, error as Error);
      return answer;
    }
  });
}

export function getSuppressionDeps(resources: ApiResources): GetSuppressionDeps {
  return {
    runtime: resources.runtime,
    subAccounts: resources.suppressionSubAccounts,
    store: resources.suppressionStore,
  };
}

export const handler: ApiHandler = lazyApiHandler(() =>
  createGetSuppressionHandler(getSuppressionDeps(new ApiResources(process.env))),
);
