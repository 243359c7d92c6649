/**
 * PUT /suppressions/{number}?subAccount=…: puts the number on the sub-account's suppression list. Sends to
 * it are then refused; the item's write publishes `SMS Opted Out` (source `api`) through the table's
 * stream. A number already listed keeps its first opt-out (200); a new one answers 201.
 */
import { apiOperations, type SuppressionResponse } from '../core/openApi.js';
import { ApiResources } from './shared/ApiResources.js';
import type { SubAccountRoute } from './shared/apiConfig.js';
import { type ApiHandler, type ApiRuntime, createApiHandler, lazyApiHandler } from './shared/apiHandler.js';
import { jsonResponse } from './shared/http.js';
import type { SuppressionStore } from './shared/SuppressionStore.js';
import { invalidSuppressionRequest, suppressionStorageAnswer } from './shared/suppressionAnswers.js';
import { readSuppressionRequest } from './shared/suppressionRequest.js';

export interface PutSuppressionDeps {
  runtime: ApiRuntime;
  subAccounts: ReadonlyMap<string, Pick<SubAccountRoute, 'keepsSuppressionList'>>;
  store: Pick<SuppressionStore, 'add'>;
  /** Epoch ms. @default Date.now */
  now?: () => number;
}

export function createPutSuppressionHandler(deps: PutSuppressionDeps): ApiHandler {
  const now = deps.now ?? Date.now;
  return createApiHandler(apiOperations.putSuppression, deps.runtime, async (event, scope) => {
    const { requestId } = scope;
    const request = readSuppressionRequest(event, deps.subAccounts);
    if (!request.ok) return invalidSuppressionRequest(request.errors, requestId);
    const { ref } = request;
    scope.annotate({ subAccount: ref.subAccount });
    try {
      const { created, suppression } = await deps.store.add({ ...ref, source: 'api', optedOutAt: now() });
      scope.annotate({ outcome: created ? 'suppressed' : 'already-suppressed' });
      const answer: SuppressionResponse = { suppressed: true, suppression };
      return jsonResponse(created ? 201 : 200, answer);
    } catch (error) {
      const answer = suppressionStorageAnswer(error, requestId);
      if (answer === undefined) throw error;
      scope.logger.error({ message: 'could not write the suppression list' }, error as Error);
      return answer;
    }
  });
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
