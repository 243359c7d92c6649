/**
 * The frame every route runs in: correlation id (the API Gateway request id) on every log line, a method
 * check, one log line per request, metrics flushed per invocation, and a last-resort catch so nothing
 * escapes as an unhandled exception (API Gateway would answer 502 with a non-JSON body).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { apiErrorCodes } from '../../core/openApi.js';
import { ApiConfigError } from './errors.js';
import { errorResponse } from './http.js';
import type { ApiMetrics } from './observability.js';

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** Built once per container: the Logger and the metrics every request of it shares. */
export interface ApiRuntime {
  logger: Logger;
  metrics: ApiMetrics;
}

export interface RequestScope {
  requestId: string;
  context: Context;
  logger: Logger;
  metrics: ApiMetrics;
  /** Adds fields to this request's log line (message id, sub-account, outcome …). */
  annotate(fields: Record<string, unknown>): void;
}

export interface HandledRoute {
  readonly method: string;
  readonly path: string;
}

const maxLoggedPathLength = 200;

export function createApiHandler(
  route: HandledRoute,
  runtime: ApiRuntime,
  handle: (event: APIGatewayProxyEvent, scope: RequestScope) => Promise<APIGatewayProxyResult>,
): ApiHandler {
  const { logger, metrics } = runtime;
  return async (event, context) => {
    const started = performance.now();
    const requestId = event?.requestContext?.requestId || randomUUID();
    const annotations: Record<string, unknown> = {};
    logger.setCorrelationId(requestId);
    if (context !== undefined && typeof context.getRemainingTimeInMillis === 'function')
      logger.addContext(context);
    let response: APIGatewayProxyResult;
    let failure: unknown;
    try {
      if (event?.httpMethod !== route.method) {
        response = errorResponse(
          405,
          apiErrorCodes.methodNotAllowed,
          `${String(event?.httpMethod).slice(0, 20)} is not allowed on ${route.path}: use ${route.method}`,
          { requestId, headers: { Allow: route.method } },
        );
      } else {
        response = await handle(event, {
          requestId,
          context,
          logger,
          metrics,
          annotate: (fields) => Object.assign(annotations, fields),
        });
      }
    } catch (error) {
      failure = error;
      response =
        error instanceof ApiConfigError
          ? errorResponse(500, apiErrorCodes.misconfigured, 'The API is misconfigured; its logs say how', {
              requestId,
            })
          : errorResponse(500, apiErrorCodes.internalError, 'Something went wrong on our side', {
              requestId,
            });
    }
    const line = {
      route: `${route.method} ${route.path}`,
      method: String(event?.httpMethod).slice(0, 20),
      path: String(event?.path).slice(0, maxLoggedPathLength),
      statusCode: response.statusCode,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      ...annotations,
    };
    try {
      if (failure !== undefined) logger.error({ message: 'request failed', ...line }, failure as Error);
      else if (response.statusCode >= 500) logger.error({ message: 'request failed', ...line });
      else logger.info({ message: 'request handled', ...line });
      metrics.flush();
    } catch {
      // Logging must never turn an answer into a failure.
    }
    logger.resetKeys();
    return response;
  };
}

/**
 * A Lambda entry's `handler`: builds the route's handler (config, SDK clients) once per container, on the
 * first invocation, and keeps it. If building fails (a bad environment), every request answers a JSON 500
 * and the reason is logged, instead of the function failing to start.
 */
export function lazyApiHandler(build: () => ApiHandler): ApiHandler {
  let built: ApiHandler | undefined;
  let buildError: unknown;
  return async (event, context) => {
    if (built === undefined && buildError === undefined) {
      try {
        built = build();
      } catch (error) {
        buildError = error;
      }
    }
    if (built !== undefined) return built(event, context);
    const requestId = event?.requestContext?.requestId;
    process.stderr.write(
      `${JSON.stringify({
        level: 'ERROR',
        message: 'the handler could not be built',
        error: buildError instanceof Error ? buildError.message : String(buildError),
        requestId,
      })}\n`,
    );
    return errorResponse(500, apiErrorCodes.misconfigured, 'The API is misconfigured; its logs say how', {
      ...(requestId === undefined ? {} : { requestId }),
    });
  };
}
