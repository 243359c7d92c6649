/**
 * local/httpApi as an API Gateway stand-in: the proxy events it builds (REST API, payload 1.0), how it
 * writes handler results back, and what it answers itself (404, 405, 413, a handler that throws). Handlers
 * are replaced by recorders here; the real ones run in the lambdas and malformedRequests tests.
 */
import { request } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../../lambdas/routes.js';
import type { ApiHandler } from '../../../lambdas/shared/apiHandler.js';
import { type HttpApi, startHttpApi } from '../../../local/httpApi/startHttpApi.js';

const seen: { event: APIGatewayProxyEvent; context: Context }[] = [];
let answerWith: (event: APIGatewayProxyEvent) => APIGatewayProxyResult = () => ({
  statusCode: 200,
  body: '{}',
});
const recorder: ApiHandler = async (event, context) => {
  seen.push({ event, context });
  return answerWith(event);
};

let api: HttpApi;

beforeAll(async () => {
  api = await startHttpApi({
    env: {},
    handlers: {
      postMessage: recorder,
      postMessageBatch: recorder,
      getMessage: recorder,
      getStatus: recorder,
      getSuppression: recorder,
      putSuppression: recorder,
      deleteSuppression: recorder,
    },
    extraRoutes: [
      {
        method: 'GET',
        path: '/',
        handle: (_request, response) => {
          response.writeHead(200, { 'Content-Type': 'text/html' });
          response.end('<h1>status</h1>');
        },
      },
    ],
    maxBodyBytes: 64 * 1024,
  });
});

afterAll(async () => {
  await api.stop();
});

function lastEvent(): APIGatewayProxyEvent {
  const last = seen.at(-1);
  if (last === undefined) throw new Error('no event recorded');
  return last.event;
}

describe('the proxy event', () => {
  it('carries method, resource, path, headers, query and body as API Gateway’s REST API does', async () => {
    // node:http, not fetch: fetch folds repeated headers into one line.
    const response = await new Promise<{ status: number; requestId: string | undefined }>(
      (resolve, reject) => {
        const sent = request(
          `${api.url}/messages/batch?dryRun=true&tag=a&tag=b`,
          { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Custom': ['one', 'two'] } },
          (answer) => {
            answer.resume();
            answer.on('end', () =>
              resolve({
                status: answer.statusCode ?? 0,
                requestId: answer.headers['x-amzn-requestid'] as string,
              }),
            );
          },
        );
        sent.on('error', reject);
        sent.end('{"messages":[]}');
      },
    );
    expect(response.status).toBe(200);
    const event = lastEvent();
    expect(event).toMatchObject({
      resource: '/messages/batch',
      path: '/messages/batch',
      httpMethod: 'POST',
      body: '{"messages":[]}',
      isBase64Encoded: false,
      pathParameters: null,
      stageVariables: null,
      queryStringParameters: { dryRun: 'true', tag: 'b' },
      multiValueQueryStringParameters: { dryRun: ['true'], tag: ['a', 'b'] },
    });
    expect(event.headers['Content-Type'] ?? event.headers['content-type']).toBe('application/json');
    const custom = Object.entries(event.multiValueHeaders).find(
      ([name]) => name.toLowerCase() === 'x-custom',
    )?.[1];
    expect(custom).toEqual(['one', 'two']);
    expect(Object.entries(event.headers).find(([name]) => name.toLowerCase() === 'x-custom')?.[1]).toBe(
      'two',
    );
    expect(event.headers['X-Forwarded-Proto']).toBe('http');
    expect(event.headers['X-Forwarded-Port']).toBe(String(api.port));
    expect(event.requestContext).toMatchObject({
      httpMethod: 'POST',
      resourcePath: '/messages/batch',
      path: '/messages/batch',
      stage: 'local',
      domainName: `127.0.0.1:${api.port}`,
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.requestId).toBe(event.requestContext.requestId);
  });

  it('gives each request its own request id and a Lambda context with time left', async () => {
    await fetch(`${api.url}/messages`, { method: 'POST', body: '{}' });
    await fetch(`${api.url}/messages`, { method: 'POST', body: '{}' });
    const [first, second] = seen.slice(-2);
    expect(first?.event.requestContext.requestId).not.toBe(second?.event.requestContext.requestId);
    expect(second?.context.awsRequestId).toBe(second?.event.requestContext.requestId);
    expect(second?.context.getRemainingTimeInMillis()).toBeGreaterThan(20_000);
  });

  it('routes /messages/{id} with its decoded path parameter', async () => {
    await fetch(`${api.url}/messages/abc%20def`);
    expect(lastEvent()).toMatchObject({
      resource: '/messages/{id}',
      path: '/messages/abc%20def',
      httpMethod: 'GET',
      pathParameters: { id: 'abc def' },
      body: null,
    });
  });

  it('passes a body that is not UTF-8 base64-encoded', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    await fetch(`${api.url}/messages`, { method: 'POST', body: bytes });
    expect(lastEvent().isBase64Encoded).toBe(true);
    expect(Buffer.from(lastEvent().body ?? '', 'base64')).toEqual(bytes);
  });

  it('keeps headers named like Object.prototype members', async () => {
    await fetch(`${api.url}/messages`, {
      method: 'POST',
      headers: { constructor: 'x', __proto__: 'y' } as never,
      body: '{}',
    });
    expect(lastEvent().headers.constructor).toBe('x');
    expect(lastEvent().multiValueHeaders.constructor).toEqual(['x']);
  });
});

describe('writing the result back', () => {
  it('writes status, headers, multi-value headers and a base64 body', async () => {
    answerWith = () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'application/octet-stream', 'X-One': '1' },
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
      body: Buffer.from([1, 2, 3]).toString('base64'),
      isBase64Encoded: true,
    });
    const response = await fetch(`${api.url}/messages`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-one')).toBe('1');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([1, 2, 3]));
    answerWith = () => ({ statusCode: 200, body: '{}' });
  });

  it('answers 502 JSON when a handler throws, and keeps serving', async () => {
    answerWith = () => {
      throw new Error('boom');
    };
    const stderr = process.stderr.write;
    process.stderr.write = () => true;
    const response = await fetch(`${api.url}/messages`, { method: 'POST', body: '{}' }).finally(() => {
      process.stderr.write = stderr;
    });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ message: 'Internal server error' });
    answerWith = () => ({ statusCode: 200, body: '{}' });
    expect((await fetch(`${api.url}/messages`, { method: 'POST', body: '{}' })).status).toBe(200);
  });
});

describe('what the server answers itself', () => {
  it('404 JSON for a path no route has', async () => {
    const response = await fetch(`${api.url}/nothing/here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'not_found' });
  });

  it('405 JSON with Allow for a route’s path with another method; a literal segment beats {id}', async () => {
    const response = await fetch(`${api.url}/messages/batch`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toMatchObject({ code: 'method_not_allowed' });
    const put = await fetch(`${api.url}/messages/3f1c0b6e-8d5a-4c1e-9b2f-7a6d5e4c3b2a`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET');
  });

  it('413 JSON for a body over the limit, unread', async () => {
    const response = await fetch(`${api.url}/messages`, { method: 'POST', body: 'x'.repeat(65 * 1024) });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('serves extra routes (npm start’s `/` → /status redirect) before the API', async () => {
    const response = await fetch(`${api.url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<h1>status</h1>');
  });

  it('serves every route of the shared route table', async () => {
    for (const route of apiRoutes) {
      const path = route.path
        .replace('{id}', '3f1c0b6e-8d5a-4c1e-9b2f-7a6d5e4c3b2a')
        .replace('{number}', '%2B6591234567');
      const response = await fetch(`${api.url}${path}`, {
        method: route.method,
        ...(route.method === 'POST' ? { body: '{}' } : {}),
      });
      expect([200], `${route.method} ${path}`).toContain(response.status);
    }
  });
});

describe('handlers whose environment is missing', () => {
  it('answer 500 misconfigured as JSON, while routes that need nothing work', async () => {
    const bare = await startHttpApi({ env: { LOG_LEVEL: 'SILENT' } });
    const stderr = process.stderr.write;
    process.stderr.write = () => true;
    try {
      const post = await fetch(`${bare.url}/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(post.status).toBe(500);
      expect(await post.json()).toMatchObject({ code: 'misconfigured' });
      const openApi = await fetch(`${bare.url}/openapi.json`);
      expect(openApi.status).toBe(200);
      expect(await openApi.json()).toMatchObject({ openapi: '3.0.3', servers: [{ url: bare.url }] });
    } finally {
      process.stderr.write = stderr;
      await bare.stop();
      await bare.stop();
    }
    await expect(fetch(`${bare.url}/openapi.json`)).rejects.toThrow();
  });
});
