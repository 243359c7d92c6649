/**
 * GET /status.json: the fleet's status (core/fleetStatusView.ts), which the status page (GET /status) polls
 * every second. Read-only: its function may Query the leases table and the messages table's acceptance-time
 * index, BatchGetItem message records and GetQueueAttributes (lambdas/routes.ts).
 *
 * Reads are shared: a request within `minIntervalMs` of the last read, or while one is running, gets that
 * read's answer, so several open tabs on one warm function (or the local server) cost no more than one.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { FleetStatusView } from '../core/fleetStatusView.js';
import { apiOperations } from '../core/openApi.js';
import { ApiResources } from './shared/ApiResources.js';
import { type ApiHandler, type ApiRuntime, createApiHandler, lazyApiHandler } from './shared/apiHandler.js';
import { jsonResponse } from './shared/http.js';

export interface StatusSource {
  read(): Promise<FleetStatusView>;
}

export interface GetStatusDeps {
  runtime: ApiRuntime;
  source: StatusSource;
  /** @default 500 */
  minIntervalMs?: number;
  /** A clock that never steps back. @default performance.now */
  monotonicNow?: () => number;
}

const route = apiOperations.getStatus;

export function createGetStatusHandler(deps: GetStatusDeps): ApiHandler {
  const minIntervalMs = deps.minIntervalMs ?? 500;
  const monotonicNow = deps.monotonicNow ?? (() => performance.now());
  let last: { view: FleetStatusView; atMs: number } | undefined;
  let running: Promise<FleetStatusView> | undefined;

  const currentView = (): Promise<FleetStatusView> => {
    if (last !== undefined && monotonicNow() - last.atMs < minIntervalMs) return Promise.resolve(last.view);
    running ??= deps.source
      .read()
      .then((view) => {
        last = { view, atMs: monotonicNow() };
        return view;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  // The reader names each source it could not read in `problems`; a throw here is a fault in the reader or
  // the view, which the frame answers as a JSON 500.
  return createApiHandler(route, deps.runtime, async (_event, scope): Promise<APIGatewayProxyResult> => {
    const view = await currentView();
    if (view.problems.length > 0) scope.annotate({ problems: view.problems });
    return jsonResponse(200, view);
  });
}

export function getStatusDeps(resources: ApiResources): GetStatusDeps {
  return { runtime: resources.runtime, source: resources.fleetStatusReader };
}

export const handler: ApiHandler = lazyApiHandler(() =>
  createGetStatusHandler(getStatusDeps(new ApiResources(process.env))),
);
