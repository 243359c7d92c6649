/** GET /suppressions/{number}?subAccount=…: whether the number is on the sub-account's suppression list. */
import { apiErrorCodes, apiOperations, type SuppressionResponse } from '../core/openApi.js';
import { ApiResources } from './shared/ApiResources.js';
import { type ApiHandler, lazyApiHandler } from './shared/apiHandler.js';
import { errorResponse, jsonResponse } from './shared/http.js';
import type { SuppressionStore } from './shared/SuppressionStore.js';
import { createSuppressionRoute, type SuppressionRouteDeps } from './shared/suppressionAnswers.js';

export interface GetSuppressionDeps extends SuppressionRouteDeps {
  store: Pick<SuppressionStore, 'get'>;
}

export function createGetSuppressionHandler(deps: GetSuppressionDeps): ApiHandler {
  return createSuppressionRoute(
    apiOperations.getSuppression,
    deps,
    'could not read the suppression list',
    async (ref, { requestId }) => {
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
    },
  );
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
