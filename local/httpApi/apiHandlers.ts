/** Each route of lambdas/routes.ts → how to build its handler from shared resources (one per server). */
import type { ApiRouteId } from '../../core/openApi.js';
import { createDeleteSuppressionHandler, deleteSuppressionDeps } from '../../lambdas/deleteSuppression.js';
import { createGetMessageHandler, getMessageDeps } from '../../lambdas/getMessage.js';
import { createGetOpenApiHandler, getOpenApiDeps } from '../../lambdas/getOpenApi.js';
import { createGetStatusHandler, getStatusDeps } from '../../lambdas/getStatus.js';
import { createGetStatusPageHandler, getStatusPageDeps } from '../../lambdas/getStatusPage.js';
import { createGetSuppressionHandler, getSuppressionDeps } from '../../lambdas/getSuppression.js';
import { createPostMessageHandler, postMessageDeps } from '../../lambdas/postMessage.js';
import { createPostMessageBatchHandler, postMessageBatchDeps } from '../../lambdas/postMessageBatch.js';
import { createPutSuppressionHandler, putSuppressionDeps } from '../../lambdas/putSuppression.js';
import type { ApiResources } from '../../lambdas/shared/ApiResources.js';
import type { ApiHandler } from '../../lambdas/shared/apiHandler.js';

export const apiHandlerFactories: Record<ApiRouteId, (resources: ApiResources) => ApiHandler> = {
  postMessage: (resources) => createPostMessageHandler(postMessageDeps(resources)),
  postMessageBatch: (resources) => createPostMessageBatchHandler(postMessageBatchDeps(resources)),
  getMessage: (resources) => createGetMessageHandler(getMessageDeps(resources)),
  getOpenApi: (resources) => createGetOpenApiHandler(getOpenApiDeps(resources)),
  getStatusPage: (resources) => createGetStatusPageHandler(getStatusPageDeps(resources)),
  getStatus: (resources) => createGetStatusHandler(getStatusDeps(resources)),
  getSuppression: (resources) => createGetSuppressionHandler(getSuppressionDeps(resources)),
  putSuppression: (resources) => createPutSuppressionHandler(putSuppressionDeps(resources)),
  deleteSuppression: (resources) => createDeleteSuppressionHandler(deleteSuppressionDeps(resources)),
};
