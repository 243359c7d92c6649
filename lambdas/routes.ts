/**
 * The API's routes as plain data, read by the CDK stack (one NodejsFunction per route at `entry`, its env
 * and its grants) and by local/httpApi (which serves the same handlers over HTTP), so the two cannot drift.
 * Methods and paths come from core/openApi.ts, which the OpenAPI document is generated from.
 */
import { type ApiEnvName, apiEnv } from '../core/apiEnv.js';
import { type ApiMethod, type ApiRouteId, apiOperations } from '../core/openApi.js';

/** What a route's function must be allowed to do (the stack turns each into a `grant*`). */
export interface RouteAccess {
  /**
   * The messages table: `read` = GetItem; `write` = PutItem + DeleteItem (conditional); `latest` = Query on
   * the acceptance-time index (core/tableKeys.ts acceptedIndex) + BatchGetItem of the records it names.
   */
  readonly messagesTable?: readonly ('read' | 'write' | 'latest')[];
  /**
   * Suppression items (`SUP#…`) in the messages table: `get` = GetItem (a send's check, GET
   * /suppressions), `batchGet` = BatchGetItem (a batch's one check), `put` = PutItem, `delete` = DeleteItem.
   */
  readonly suppressions?: readonly ('get' | 'batchGet' | 'put' | 'delete')[];
  /** The idempotency table: GetItem, PutItem, UpdateItem, DeleteItem (Powertools idempotency). */
  readonly idempotencyTable?: 'readWrite';
  /**
   * The velocity table: `count` = the TransactWriteItems that counts a message (PutItem and UpdateItem),
   * granted only when some sub-account has velocityLimits.
   */
  readonly velocityTable?: 'count';
  /** The leases table: `query` = Query (a sub-account's slots, the workers' presence). */
  readonly leasesTable?: 'query';
  /**
   * Every sub-account's send queue: `send` = SendMessage (SendMessageBatch is authorised by sqs:SendMessage);
   * `depth` = GetQueueAttributes on each queue and its DLQ.
   */
  readonly sendQueues?: 'send' | 'depth';
}

export interface ApiRoute {
  readonly id: ApiRouteId;
  readonly method: ApiMethod;
  /** API Gateway resource path; `{name}` is a path parameter. */
  readonly path: string;
  /** The handler file, relative to the repo root; it exports `handler`. */
  readonly entry: string;
  /** Environment variables the handler reads (the SDK's own AWS_* are set by Lambda itself). */
  readonly env: readonly ApiEnvName[];
  readonly access: RouteAccess;
  /**
   * Who calls it, and so which managed policy allows it (IAM mode): `callers` — systems that send (the
   * stack's CallerPolicy); `operators` — people watching the fleet (StatusReaderPolicy). The status page
   * lists recent messages of every sub-account, which a sending system has no need to see.
   */
  readonly audience: 'callers' | 'operators';
}

const observability = [apiEnv.logLevel, apiEnv.maskPhoneNumbers] as const;

export const apiRoutes = [
  {
    id: 'postMessage',
    ...apiOperations.postMessage,
    entry: 'lambdas/postMessage.ts',
    env: [
      apiEnv.fleetConfig,
      apiEnv.messagesTable,
      apiEnv.idempotencyTable,
      apiEnv.velocityTable,
      apiEnv.sendQueueUrls,
      apiEnv.publicBaseUrl,
      ...observability,
    ],
    access: {
      messagesTable: ['read', 'write'],
      suppressions: ['get'],
      velocityTable: 'count',
      idempotencyTable: 'readWrite',
      sendQueues: 'send',
    },
    audience: 'callers',
  },
  {
    id: 'postMessageBatch',
    ...apiOperations.postMessageBatch,
    entry: 'lambdas/postMessageBatch.ts',
    env: [
      apiEnv.fleetConfig,
      apiEnv.messagesTable,
      apiEnv.velocityTable,
      apiEnv.sendQueueUrls,
      apiEnv.publicBaseUrl,
      ...observability,
    ],
    access: {
      messagesTable: ['read', 'write'],
      suppressions: ['batchGet'],
      velocityTable: 'count',
      sendQueues: 'send',
    },
    audience: 'callers',
  },
  {
    id: 'getMessage',
    ...apiOperations.getMessage,
    entry: 'lambdas/getMessage.ts',
    env: [apiEnv.messagesTable, ...observability],
    access: { messagesTable: ['read'] },
    audience: 'callers',
  },
  {
    id: 'getOpenApi',
    ...apiOperations.getOpenApi,
    entry: 'lambdas/getOpenApi.ts',
    env: [apiEnv.publicBaseUrl, ...observability],
    access: {},
    audience: 'callers',
  },
  {
    id: 'getStatusPage',
    ...apiOperations.getStatusPage,
    entry: 'lambdas/getStatusPage.ts',
    env: [...observability],
    access: {},
    audience: 'operators',
  },
  {
    id: 'getStatus',
    ...apiOperations.getStatus,
    entry: 'lambdas/getStatus.ts',
    env: [
      apiEnv.fleetConfig,
      apiEnv.leasesTable,
      apiEnv.messagesTable,
      apiEnv.sendQueueUrls,
      ...observability,
    ],
    // Reads only: the status page must never be able to change what it shows.
    access: { leasesTable: 'query', messagesTable: ['latest'], sendQueues: 'depth' },
    audience: 'operators',
  },
  // The suppression lists: managed by the systems that send (a CRM's unsubscribe), as the issue asks.
  {
    id: 'getSuppression',
    ...apiOperations.getSuppression,
    entry: 'lambdas/getSuppression.ts',
    env: [apiEnv.fleetConfig, apiEnv.messagesTable, ...observability],
    access: { suppressions: ['get'] },
    audience: 'callers',
  },
  {
    id: 'putSuppression',
    ...apiOperations.putSuppression,
    entry: 'lambdas/putSuppression.ts',
    env: [apiEnv.fleetConfig, apiEnv.messagesTable, ...observability],
    access: { suppressions: ['put'] },
    audience: 'callers',
  },
  {
    id: 'deleteSuppression',
    ...apiOperations.deleteSuppression,
    entry: 'lambdas/deleteSuppression.ts',
    env: [apiEnv.fleetConfig, apiEnv.messagesTable, ...observability],
    access: { suppressions: ['delete'] },
    audience: 'callers',
  },
] as const satisfies readonly ApiRoute[];

/** `/messages/{id}` → a matcher that gives `{ id: '…' }` for `/messages/abc`, or undefined. */
export function matchRoutePath(routePath: string, requestPath: string): Record<string, string> | undefined {
  const routeSegments = routePath.split('/');
  const requestSegments = requestPath.split('/');
  if (routeSegments.length !== requestSegments.length) return undefined;
  const parameters: Record<string, string> = {};
  for (let index = 0; index < routeSegments.length; index++) {
    const expected = routeSegments[index] ?? '';
    const actual = requestSegments[index] ?? '';
    const parameter = /^\{([A-Za-z0-9_]+)\}$/.exec(expected)?.[1];
    if (parameter !== undefined) {
      if (actual === '') return undefined;
      parameters[parameter] = actual;
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return parameters;
}

export interface RouteMatch {
  route: ApiRoute;
  /** Raw (still percent-encoded) path parameter values. */
  pathParameters: Record<string, string>;
}

/**
 * The route for a method and path, as API Gateway picks it: a literal segment wins over a parameter
 * (`/messages/batch` is not `/messages/{id}`). `allowed` lists the methods the path has when none matched.
 */
export function findRoute(
  method: string,
  path: string,
  routes: readonly ApiRoute[] = apiRoutes,
): { match: RouteMatch } | { allowed: string[] } | undefined {
  const candidates: RouteMatch[] = [];
  for (const route of routes) {
    const pathParameters = matchRoutePath(route.path, path);
    if (pathParameters !== undefined) candidates.push({ route, pathParameters });
  }
  if (candidates.length === 0) return undefined;
  // Fewest parameters first: the most literal resource is the one API Gateway routes to.
  candidates.sort((a, b) => Object.keys(a.pathParameters).length - Object.keys(b.pathParameters).length);
  const mostLiteral = Object.keys(candidates[0]?.pathParameters ?? {}).length;
  const sameResource = candidates.filter(
    (candidate) => Object.keys(candidate.pathParameters).length === mostLiteral,
  );
  const match = sameResource.find((candidate) => candidate.route.method === method);
  if (match !== undefined) return { match };
  return { allowed: [...new Set(sameResource.map((candidate) => candidate.route.method))].sort() };
}
