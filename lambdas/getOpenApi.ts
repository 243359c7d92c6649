/** GET /openapi.json: the API's OpenAPI 3 document, generated from core's schemas (core/openApi.ts). */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { apiOperations, openApiDocument } from '../core/openApi.js';
import type { ApiResources } from './shared/ApiResources.js';
import { readPublicBaseUrl } from './shared/apiConfig.js';
import { type ApiHandler, type ApiRuntime, createApiHandler, lazyApiHandler } from './shared/apiHandler.js';
import { baseUrlOf, jsonResponse } from './shared/http.js';
import { createApiRuntime } from './shared/observability.js';

export interface GetOpenApiDeps {
  runtime: ApiRuntime;
  publicBaseUrl: string | undefined;
}

const route = apiOperations.getOpenApi;

export function createGetOpenApiHandler(deps: GetOpenApiDeps): ApiHandler {
  // Generated once per container; only `servers` depends on the request.
  const document = openApiDocument();
  return createApiHandler(route, deps.runtime, async (event): Promise<APIGatewayProxyResult> => {
    const serverUrl = baseUrlOf(event, deps.publicBaseUrl, route.path);
    const body = serverUrl === '' ? document : { ...document, servers: [{ url: serverUrl }] };
    return jsonResponse(200, body, { 'Cache-Control': 'public, max-age=300' });
  });
}

export function getOpenApiDeps(resources: ApiResources): GetOpenApiDeps {
  return { runtime: resources.runtime, publicBaseUrl: resources.publicBaseUrl };
}

// Built without ApiResources, so this function's bundle carries no AWS SDK client.
export const handler: ApiHandler = lazyApiHandler(() =>
  createGetOpenApiHandler({
    runtime: createApiRuntime(process.env),
    publicBaseUrl: readPublicBaseUrl(process.env),
  }),
);
