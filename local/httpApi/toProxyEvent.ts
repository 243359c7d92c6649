/**
 * An HTTP request → the event API Gateway's REST API gives a Lambda proxy integration (payload format 1.0),
 * as the deployed stack does. Pure: the server collects the request, this shapes it.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface LocalRequest {
  method: string;
  /** The path as sent (percent-encoded), without the query. */
  path: string;
  /** The query string without `?`, as sent. */
  query: string;
  /** Node's `rawHeaders`: name, value, name, value … (names as the client wrote them). */
  rawHeaders: readonly string[];
  body: Buffer;
  sourceIp: string;
}

export interface LocalRouteTarget {
  /** API Gateway resource path, e.g. `/messages/{id}`. */
  resource: string;
  /** Raw path parameter values from the matched path. */
  pathParameters: Record<string, string>;
}

export interface ProxyEventSettings {
  requestId: string;
  stage: string;
  nowMs: number;
  /** Port the server listens on (X-Forwarded-Port). */
  port: number;
  accountId?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeOrRaw(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Headers as API Gateway passes them: `headers` with the last value of each name, `multiValueHeaders` with
 * all; X-Forwarded-For/Proto/Port set by the gateway (here: the client's address, http, the local port).
 */
function headersOf(rawHeaders: readonly string[], forwarded: Record<string, string>) {
  // Maps, not objects: a header named `constructor` or `__proto__` must not meet Object.prototype.
  const values = new Map<string, string[]>();
  const namesByLowerCase = new Map<string, string>();
  const add = (name: string, value: string, replace: boolean) => {
    const lower = name.toLowerCase();
    const key = namesByLowerCase.get(lower) ?? name;
    namesByLowerCase.set(lower, key);
    values.set(key, replace ? [value] : [...(values.get(key) ?? []), value]);
  };
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    add(rawHeaders[index] ?? '', rawHeaders[index + 1] ?? '', false);
  }
  for (const [name, value] of Object.entries(forwarded)) add(name, value, true);
  return {
    headers: Object.fromEntries([...values].map(([name, list]) => [name, list[list.length - 1] ?? ''])),
    multiValueHeaders: Object.fromEntries(values),
  };
}

function queryOf(query: string) {
  const values = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(query))
    values.set(name, [...(values.get(name) ?? []), value]);
  return values.size === 0
    ? { queryStringParameters: null, multiValueQueryStringParameters: null }
    : {
        queryStringParameters: Object.fromEntries(
          [...values].map(([name, list]) => [name, list[list.length - 1] ?? '']),
        ),
        multiValueQueryStringParameters: Object.fromEntries(values),
      };
}

/** A body that is valid UTF-8 is passed as text; anything else base64-encoded with isBase64Encoded. */
function bodyOf(body: Buffer): { body: string | null; isBase64Encoded: boolean } {
  if (body.length === 0) return { body: null, isBase64Encoded: false };
  try {
    return { body: utf8.decode(body), isBase64Encoded: false };
  } catch {
    return { body: body.toString('base64'), isBase64Encoded: true };
  }
}

export function toProxyEvent(
  request: LocalRequest,
  target: LocalRouteTarget,
  settings: ProxyEventSettings,
): APIGatewayProxyEvent {
  const { headers, multiValueHeaders } = headersOf(request.rawHeaders, {
    'X-Forwarded-For': request.sourceIp,
    'X-Forwarded-Proto': 'http',
    'X-Forwarded-Port': String(settings.port),
  });
  const host = Object.entries(headers).find(([name]) => name.toLowerCase() === 'host')?.[1];
  const pathParameters = Object.fromEntries(
    Object.entries(target.pathParameters).map(([name, value]) => [name, decodeOrRaw(value)]),
  );
  const userAgent =
    Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null;
  return {
    resource: target.resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    ...queryOf(request.query),
    pathParameters: Object.keys(pathParameters).length === 0 ? null : pathParameters,
    stageVariables: null,
    ...bodyOf(request.body),
    requestContext: {
      accountId: settings.accountId ?? '123456789012',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      ...(host === undefined ? {} : { domainName: host }),
      // Locally there is no stage in the URL: the full path is the path.
      path: request.path,
      stage: settings.stage,
      requestId: settings.requestId,
      extendedRequestId: settings.requestId,
      requestTime: new Date(settings.nowMs).toISOString(),
      requestTimeEpoch: settings.nowMs,
      resourceId: 'local',
      resourcePath: target.resource,
    },
  };
}
