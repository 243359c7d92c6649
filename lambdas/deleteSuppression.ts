/**
 * DELETE /suppressions/{number}?subAccount=…: takes the number off the sub-account's suppression list (the
 * handset opted in again); sends to it are allowed. 404 when it was not on the list.
 */
import { apiErrorCodes, apiOperations, type SuppressionResponse } from '../core/openApi.js';
import { ApiResources } from './shared/ApiResources.js';
import { type ApiHandler, lazyApiHandler } from './shared/apiHandler.js';
import { errorResponse, jsonResponse } from './shared/http.js';
import type { SuppressionStore } from './shared/SuppressionStore.js';
import { createSuppressionRoute, type SuppressionRouteDeps } from './shared/suppressionAnswers.js';

export interface DeleteSuppressionDeps extends SuppressionRouteDeps {
  store: Pick<SuppressionStore, 'remove'>;
}

export function createDeleteSuppressionHandler(deps: DeleteSuppressionDeps): ApiHandler {
  return createSuppressionRoute(
    apiOperations.deleteSuppression,
    deps,
    'could not write the suppression list',
    async (ref, { requestId }) => {
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
    },
  );
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
