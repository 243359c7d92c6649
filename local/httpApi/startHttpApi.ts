/**
 * The API on one machine: a node:http server that turns each request into the API Gateway (REST, payload
 * 1.0) proxy event the deployed stack sends, routes it by lambdas/routes.ts to the same handlers, and
 * writes their results back. Used by `npm start` and by the tests, so the handlers run over real HTTP.
 *
 *   const api = await startHttpApi({ port: 0, env });   // env: the handlers' environment (core/apiEnv.ts)
 *   await fetch(`${api.url}/messages`, { method: 'POST', … });
 *   await api.stop();
 *
 * What API Gateway itself answers is answered here the same way, as JSON: an unknown path 404, a known path
 * with another method 405, a body over the limit 413, a request Node cannot parse 400.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type ApiRouteId, apiErrorCodes } from '../../core/openApi.js';
import { apiRoutes, findRoute, matchRoutePath } from '../../lambdas/routes.js';
import { ApiResources } from '../../lambdas/shared/ApiResources.js';
import type { Env } from '../../lambdas/shared/apiConfig.js';
import { type ApiHandler, lazyApiHandler } from '../../lambdas/shared/apiHandler.js';
import { apiHandlerFactories } from './apiHandlers.js';
import { localLambdaContext } from './lambdaContext.js';
import { type LocalRequest, toProxyEvent } from './toProxyEvent.js';

/** A route served by the local server only (e.g. `npm start`'s status page on `/`), tried before the API's. */
export interface LocalRoute {
  /** An HTTP method, or `*` for any. */
  method: string;
  /** Exact path; `{name}` segments match one segment each. */
  path: string;
  handle(request: IncomingMessage, response: ServerResponse, pathParameters: Record<string, string>): unknown;
}

export interface StartHttpApiOptions {
  /** @default 0: a free port */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** The handlers' environment (core/apiEnv.ts names); process.env is not read. */
  env: Env;
  /**
   * Variables one route's handler gets on top of `env`, as each route is a function of its own in AWS
   * (e.g. its own AWS access key id, so the IAM contract test can tell who made a call). A route with
   * extra variables gets its own SDK clients; the others share one set.
   */
  routeEnv?: Partial<Record<ApiRouteId, Env>>;
  /** Served before the API's routes. */
  extraRoutes?: readonly LocalRoute[];
  /** Replaces a route's handler (tests that inspect the events). */
  handlers?: Partial<Record<ApiRouteId, ApiHandler>>;
  /** Larger bodies are refused with 413 unread. @default 10 MiB, API Gateway's limit */
  maxBodyBytes?: number;
  /** requestContext.stage. @default 'local' */
  stage?: string;
}

export interface HttpApi {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Closes the server and every connection, and the SDK clients. Safe to call twice. */
  stop(): Promise<void>;
}

const defaultMaxBodyBytes = 10 * 1024 * 1024;
const jsonHeaders = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };

function writeJson(
  response: ServerResponse,
  statusCode: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(statusCode, { ...jsonHeaders, ...headers });
  response.end(JSON.stringify(body));
}

/** Collects the body up to `limit` bytes; undefined when it is longer (the rest is not read). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    request.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
    request.on('error', (error) => {
      if (!done) {
        done = true;
        reject(error);
      }
    });
  });
}

function writeResult(response: ServerResponse, result: APIGatewayProxyResult, requestId: string) {
  const headers: Record<string, string | string[]> = { 'x-amzn-RequestId': requestId };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name] = values.map((value) => String(value));
  }
  const body =
    result.isBase64Encoded === true
      ? Buffer.from(result.body ?? '', 'base64')
      : Buffer.from(result.body ?? '', 'utf8');
  response.writeHead(result.statusCode, headers);
  response.end(body);
}

function isValidResult(result: unknown): result is APIGatewayProxyResult {
  const candidate = result as Partial<APIGatewayProxyResult> | null | undefined;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    Number.isInteger(candidate.statusCode) &&
    (candidate.statusCode ?? 0) >= 100 &&
    (candidate.statusCode ?? 0) <= 599 &&
    (candidate.body === undefined || typeof candidate.body === 'string')
  );
}

export async function startHttpApi(options: StartHttpApiOptions): Promise<HttpApi> {
  const shared = new ApiResources(options.env);
  const resourcesByRoute = new Map<ApiRouteId, ApiResources>(
    Object.entries(options.routeEnv ?? {}).map(([routeId, env]) => [
      routeId as ApiRouteId,
      new ApiResources({ ...options.env, ...env }),
    ]),
  );
  const resourcesFor = (routeId: ApiRouteId) => resourcesByRoute.get(routeId) ?? shared;
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const stage = options.stage ?? 'local';
  const handlers = new Map<ApiRouteId, ApiHandler>(
    apiRoutes.map((route) => [
      route.id,
      options.handlers?.[route.id] ??
        lazyApiHandler(() => apiHandlerFactories[route.id](resourcesFor(route.id))),
    ]),
  );
  let port = 0;

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const requestId = randomUUID();
    const method = request.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      writeJson(response, 400, {
        error: 'The request target is not a valid URL',
        code: apiErrorCodes.invalidRequest,
      });
      return;
    }
    // API Gateway treats `/messages/` as `/messages`.
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;

    for (const extra of options.extraRoutes ?? []) {
      const parameters = matchRoutePath(extra.path, path);
      if (parameters !== undefined && (extra.method === '*' || extra.method === method)) {
        await extra.handle(request, response, parameters);
        return;
      }
    }

    const found = findRoute(method, path);
    if (found === undefined) {
      writeJson(
        response,
        404,
        {
          error: `No route for ${method.slice(0, 20)} ${path.slice(0, 200)}`,
          code: apiErrorCodes.notFound,
          requestId,
        },
        { 'x-amzn-RequestId': requestId },
      );
      request.resume();
      return;
    }
    if ('allowed' in found) {
      writeJson(
        response,
        405,
        {
          error: `${method.slice(0, 20)} is not allowed on ${path.slice(0, 200)}: use ${found.allowed.join(' or ')}`,
          code: apiErrorCodes.methodNotAllowed,
          requestId,
        },
        { Allow: found.allowed.join(', '), 'x-amzn-RequestId': requestId },
      );
      request.resume();
      return;
    }

    const body = await readBody(request, maxBodyBytes);
    if (body === undefined) {
      writeJson(
        response,
        413,
        {
          error: `The body is larger than ${maxBodyBytes} bytes`,
          code: apiErrorCodes.payloadTooLarge,
          requestId,
        },
        { Connection: 'close', 'x-amzn-RequestId': requestId },
      );
      return;
    }
    const { route, pathParameters } = found.match;
    const localRequest: LocalRequest = {
      method,
      path,
      query: url.search.replace(/^\?/, ''),
      rawHeaders: request.rawHeaders,
      body,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    };
    const event = toProxyEvent(
      localRequest,
      { resource: route.path, pathParameters },
      { requestId, stage, nowMs: Date.now(), port },
    );
    const handler = handlers.get(route.id) as ApiHandler;
    let result: unknown;
    try {
      result = await handler(event, localLambdaContext(`smpp-fleet-${route.id}`, requestId));
    } catch (error) {
      // What API Gateway does when the function fails: 502, with a JSON body here.
      process.stderr.write(
        `[httpApi] ${route.id} threw: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      writeJson(
        response,
        502,
        { message: 'Internal server error', requestId },
        { 'x-amzn-RequestId': requestId },
      );
      return;
    }
    if (!isValidResult(result)) {
      writeJson(response, 502, { message: 'Malformed Lambda proxy response', requestId });
      return;
    }
    writeResult(response, result, requestId);
  };

  const server: Server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      process.stderr.write(`[httpApi] ${error instanceof Error ? error.stack : String(error)}\n`);
      if (!response.headersSent)
        writeJson(response, 500, { error: 'Local server fault', code: apiErrorCodes.internalError });
      else response.destroy();
    });
  });
  // A request Node cannot parse never reaches `serve`: answer it as JSON too, then close.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const body = JSON.stringify({
      error: tooLarge ? 'The request headers are too large' : 'The request is not valid HTTP',
      code: apiErrorCodes.invalidRequest,
    });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => {
        for (const resources of [shared, ...resourcesByRoute.values()]) resources.destroy();
      });
      return stopped;
    },
  };
}
