/**
 * GET /status: the live status page (lambdas/shared/statusPageHtml.ts), for a browser. It polls status.json
 * beside itself (GET /status.json), so it works at `/status` locally and under the stage (`/v1/status`) or a
 * signing proxy in AWS. No AWS access and no SDK in its bundle.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { apiOperations } from '../core/openApi.js';
import { type ApiHandler, type ApiRuntime, createApiHandler, lazyApiHandler } from './shared/apiHandler.js';
import { createApiRuntime } from './shared/observability.js';
import { statusPageHtml } from './shared/statusPageHtml.js';

export interface GetStatusPageDeps {
  runtime: ApiRuntime;
}

const route = apiOperations.getStatusPage;

/**
 * Only the page's own inline script and style may run, and it may only fetch from where it came from:
 * computed from the page, so editing it cannot leave a stale hash behind.
 */
export function contentSecurityPolicy(html: string): string {
  const hashes = (tag: string) =>
    [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))]
      .map(
        (match) =>
          `'sha256-${createHash('sha256')
            .update(match[1] ?? '')
            .digest('base64')}'`,
      )
      .join(' ');
  return [
    "default-src 'none'",
    `script-src ${hashes('script')}`,
    `style-src ${hashes('style')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function createGetStatusPageHandler(deps: GetStatusPageDeps): ApiHandler {
  const headers = {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': contentSecurityPolicy(statusPageHtml),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
  return createApiHandler(
    route,
    deps.runtime,
    async (): Promise<APIGatewayProxyResult> => ({ statusCode: 200, headers, body: statusPageHtml }),
  );
}

export function getStatusPageDeps(resources: { runtime: ApiRuntime }): GetStatusPageDeps {
  return { runtime: resources.runtime };
}

// Built without ApiResources, so this function's bundle carries no AWS SDK client.
export const handler: ApiHandler = lazyApiHandler(() =>
  createGetStatusPageHandler({ runtime: createApiRuntime(process.env) }),
);
