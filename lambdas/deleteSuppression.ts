/**
 * DELETE /suppressions/{number}?subAccount=…: takes the number off the sub-account's suppression list (the
 * handset opted in again); sends to it are allowed. 404 when it was not on the list.
 */
import { apiErrorCodes, apiOperations, type SuppressionResponse } from '../core/openApi.js';
import { ApiResources } from './shared/ApiResources.js';
import type { SubAccountRoute } from './shared/apiConfig.js';
import { type ApiHandler, type ApiRuntime, createApiHandler, lazyApiHandler } from './shared/apiHandler.js';
import { errorResponse, jsonResponse } from './shared/http.js';
import type { SuppressionStore } from './shared/SuppressionStore.js';
import { invalidSuppressionRequest, suppressionStorageAnswer } from './shared/suppressionAnswers.js';
import { readSuppressionRequest } from './shared/suppressionRequest.js';

export interface DeleteSuppressionDeps {
  runtime: ApiRuntime;
  subAccounts: ReadonlyMap<string, Pick<SubAccountRoute, 'keepsSuppressionList'>>;
  store: Pick<SuppressionStore, 'remove'>;
}

export function createDeleteSuppressionHandler(deps: DeleteSuppressionDeps): ApiHandler {
  return createApiHandler(apiOperations.deleteSuppression, deps.runtime, async (event, scope) => {
    const { requestId } = scope;
    const request = readSuppressionRequest(event, deps.subAccounts);
    if (!request.ok) return invalidSuppressionRequest(request.errors, requestId);
    const { ref } = request;
    scope.annotate({ subAccount: ref.subAccount });
    try {
      const removed = await deps.store.remove(ref);
      if (removed === undefined) {
        return errorResponse(
          404,
          apiErrorCodes.suppressionNotFound,
          `${ref.phoneNumber} was not on sub-account ${ref.subAccount}’s suppression list`,
          { requestId },
        );
      }
      const answer: SuppressionResponse = { suppressed: false, suppression: removed };
      return jsonResponse(200, answer);
    } catch (error) {
      const answer = suppressionStorageAnswer(error, requestId);
      if (answer === undefined) throw error;
      scope.logger.error({ message: 'could not write the suppression list' }, error as Error);
      return answer;
    }
  });
}

export function deleteSuppressionDeps(resources: ApiResources): DeleteSuppressionDeps {
  return {
    runtime: resources.runtime,
    subAccounts: resources.suppressionSubAccounts,
    store: resources.suppressionStore,
  };
}

export const handler: ApiHandler = lazyApiHandler(() =>
  createDeleteSuppressionHandler(deleteSuppressionDeps(new ApiResources(process.env))),
);
