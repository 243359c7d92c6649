/**
 * PUT /suppressions/{number}?subAccount=…: puts the number on the sub-account's suppression list. Sends to
 * it are then refused; the item's write publishes `SMS Opted Out` (source `api`) through the table's
 * stream. A number already listed keeps its first opt-out (200); a new one answers 201.
 */
import { apiOperations, type SuppressionResponse } from '../core/openApi.js';
import { ApiResources } from './shared/ApiResources.js';
import { type ApiHandler, lazyApiHandler } from './shared/apiHandler.js';
import { jsonResponse } from './shared/http.js';
import type { SuppressionStore } from './shared/SuppressionStore.js';
import { createSuppressionRoute, type SuppressionRouteDeps } from './shared/suppressionAnswers.js';

export interface PutSuppressionDeps extends SuppressionRouteDeps {
  store: Pick<SuppressionStore, 'add'>;
  /** Epoch ms. @default Date.now */
  now?: () => number;
}

export function createPutSuppressionHandler(deps: PutSuppressionDeps): ApiHandler {
  const now = deps.now ?? Date.now;
  return createSuppressionRoute(
    apiOperations.putSuppression,
    deps,
    'could not write the suppression list',
    async (ref, scope) => {
      const { created, suppression } = await deps.store.add({ ...ref, source: 'api', optedOutAt: now() });
      scope.annotate({ outcome: created ? 'suppressed' : 'already-suppressed' });
      const answer: SuppressionResponse = { suppressed: true, suppression };
      return jsonResponse(created ? 201 : 200, answer);
    },
  );
}

export function putSuppressionDeps(resources: ApiResources): PutSuppressionDeps {
  return {
    runtime: resources.runtime,
    subAccounts: resources.suppressionSubAccounts,
    store: resources.suppressionStore,
  };
}

export const handler: ApiHandler = lazyApiHandler(() =>
  createPutSuppressionHandler(putSuppressionDeps(new ApiResources(process.env))),
);
