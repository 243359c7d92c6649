/**
 * HTTP plumbing shared by the handlers: reading API Gateway (REST, payload 1.0) events defensively and
 * shaping every answer as JSON. Nothing here throws on what a caller sends.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { FieldError } from '../../core/fieldErrors.js';
import { type ApiErrorCode, apiErrorCodes, type ErrorResponse } from '../../core/openApi.js';

export const jsonContentType = 'application/json; charset=utf-8';

/** Largest body each route reads (API Gateway itself allows 10 MB; a send request is a few KB at most). */
export const bodyLimits = {
  /** One send request: 1,600 UCS-2 characters as \u escapes plus a full context is under 32 KiB. */
  single: 64 * 1024,
  /** 100 of them, plus the envelope. */
  batch: 4 * 1024 * 1024,
} as const;

/** A header's value, looked up case-insensitively (API Gateway passes names as the client wrote them). */
export function headerValue(
  event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>,
  name: string,
) {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  for (const [key, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === wanted && values !== undefined && values.length > 0)
      return values[values.length - 1];
  }
  return undefined;
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': jsonContentType, 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export interface ErrorDetails {
  errors?: readonly FieldError[];
  messageId?: string;
  retryable?: boolean;
  requestId?: string;
  headers?: Record<string, string>;
}

export function errorResponse(
  statusCode: number,
  code: ApiErrorCode,
  error: string,
  details: ErrorDetails = {},
): APIGatewayProxyResult {
  const body: ErrorResponse = {
    error,
    code,
    ...(details.errors === undefined ? {} : { errors: [...details.errors] }),
    ...(details.messageId === undefined ? {} : { messageId: details.messageId }),
    ...(details.retryable === undefined ? {} : { retryable: details.retryable }),
    ...(details.requestId === undefined ? {} : { requestId: details.requestId }),
  };
  return jsonResponse(statusCode, body, details.headers);
}

export type BodyResult = { ok: true; value: unknown } | { ok: false; response: APIGatewayProxyResult };

const base64Body = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `application/json` or any `+json` type, in UTF-8 (the only charset JSON over HTTP may use). */
function checkContentType(contentType: string | undefined): string | undefined {
  if (contentType === undefined || contentType.trim() === '') return undefined;
  const [mediaType = '', ...parameters] = contentType.split(';');
  const type = mediaType.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    return `Content-Type ${JSON.stringify(mediaType.trim())} is not JSON: send Content-Type: application/json`;
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = value
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      return `charset ${JSON.stringify(charset)} is not supported: JSON must be UTF-8`;
    }
  }
  return undefined;
}

/**
 * The body as decoded JSON, or the 4xx answer saying why not: not JSON (415), too large (413), missing,
 * badly encoded or not parseable (400). A body without Content-Type is read as JSON.
 */
export function readJsonBody(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded' | 'headers' | 'multiValueHeaders'>,
  maxBytes: number,
  requestId?: string,
): BodyResult {
  const fail = (statusCode: number, code: ApiErrorCode, message: string): BodyResult => ({
    ok: false,
    response: errorResponse(statusCode, code, message, requestId === undefined ? {} : { requestId }),
  });
  const contentTypeProblem = checkContentType(headerValue(event, 'content-type'));
  if (contentTypeProblem !== undefined)
    return fail(415, apiErrorCodes.unsupportedMediaType, contentTypeProblem);

  const raw = typeof event.body === 'string' ? event.body : '';
  if (raw === '') return fail(400, apiErrorCodes.missingBody, 'The request has no body: send a JSON object');

  let text: string;
  if (event.isBase64Encoded === true) {
    const compact = raw.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !base64Body.test(compact)) {
      return fail(
        400,
        apiErrorCodes.invalidBodyEncoding,
        'The body is marked base64 but is not valid base64',
      );
    }
    // Checked before decoding: the decoded size is at most 3/4 of the text.
    if ((compact.length / 4) * 3 - 2 > maxBytes) return tooLarge(maxBytes, fail);
    const bytes = Buffer.from(compact, 'base64');
    if (bytes.length > maxBytes) return tooLarge(maxBytes, fail);
    try {
      text = utf8.decode(bytes);
    } catch {
      return fail(400, apiErrorCodes.invalidBodyEncoding, 'The body is not valid UTF-8');
    }
  } else {
    if (raw.length > maxBytes || Buffer.byteLength(raw, 'utf8') > maxBytes) return tooLarge(maxBytes, fail);
    text = raw;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '')
    return fail(400, apiErrorCodes.missingBody, 'The request has no body: send a JSON object');
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail(400, apiErrorCodes.invalidJson, `The body is not valid JSON: ${detail.slice(0, 200)}`);
  }
}

function tooLarge(
  maxBytes: number,
  fail: (statusCode: number, code: ApiErrorCode, message: string) => BodyResult,
) {
  return fail(413, apiErrorCodes.payloadTooLarge, `The body is larger than ${maxBytes} bytes`);
}

/** `?name=true|false|1|0` (absent or empty = false); anything else is a field error. */
export function readBooleanQuery(
  event: Pick<APIGatewayProxyEvent, 'queryStringParameters' | 'multiValueQueryStringParameters'>,
  name: string,
): { ok: true; value: boolean } | { ok: false; error: FieldError } {
  const multi = event.multiValueQueryStringParameters;
  const values = multi != null && Object.hasOwn(multi, name) ? (multi[name] ?? []) : [];
  const singles = event.queryStringParameters;
  const single = singles != null && Object.hasOwn(singles, name) ? singles[name] : undefined;
  const all = values.length > 0 ? values : single === undefined ? [] : [single];
  if (all.length === 0) return { ok: true, value: false };
  if (all.length > 1)
    return { ok: false, error: { field: `${name} (query)`, message: 'must be given once' } };
  const value = (all[0] ?? '').trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0') return { ok: true, value: false };
  if (value === 'true' || value === '1') return { ok: true, value: true };
  return { ok: false, error: { field: `${name} (query)`, message: 'must be true or false' } };
}

const hostPattern = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;

/**
 * The API's base URL as the caller reached it, for `statusUrl`: the configured public base URL, else the
 * request's host (API Gateway's domainName) and whatever precedes `routePath` (the route's own path, e.g.
 * `/messages`) in `requestContext.path` — the stage on the execute-api domain, the base path on a custom
 * domain. Empty (so URLs are relative) when the host cannot be trusted to form a URL.
 */
export function baseUrlOf(
  event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders' | 'requestContext'>,
  publicBaseUrl: string | undefined,
  routePath: string,
): string {
  if (publicBaseUrl !== undefined) return publicBaseUrl;
  const context = event.requestContext as Partial<APIGatewayProxyEvent['requestContext']> | undefined;
  const host = context?.domainName ?? headerValue(event, 'host');
  if (host === undefined || !hostPattern.test(host)) return '';
  const forwardedProto = headerValue(event, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  const protocol = forwardedProto === 'http' ? 'http' : 'https';
  const fullPath = context?.path;
  let prefix = '';
  if (typeof fullPath === 'string' && fullPath.endsWith(routePath)) {
    prefix = fullPath.slice(0, fullPath.length - routePath.length);
  }
  if (!/^(\/[A-Za-z0-9._~-]+)*$/.test(prefix)) prefix = '';
  return `${protocol}://${host}${prefix}`;
}
