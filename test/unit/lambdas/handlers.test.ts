/**
 * The handlers with fakes of the API's own ports: the answers they shape, and that no event — however
 * broken — makes one throw or answer 5xx. AWS behaviour is tested against the emulator, not here.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageIdForIdempotencyKey } from '../../../core/messageId.js';
import type { AcceptedResponse } from '../../../core/openApi.js';
import { createGetMessageHandler } from '../../../lambdas/getMessage.js';
import { createGetOpenApiHandler } from '../../../lambdas/getOpenApi.js';
import { createPostMessageHandler } from '../../../lambdas/postMessage.js';
import { createPostMessageBatchHandler } from '../../../lambdas/postMessageBatch.js';
import { createApiHandler } from '../../../lambdas/shared/apiHandler.js';
import { ApiConfigError } from '../../../lambdas/shared/errors.js';
import {
  acceptDepsWith,
  FakeMessageStore,
  FakeSendQueue,
  InMemoryIdempotency,
  lambdaContext,
  proxyEvent,
  RecordingMetrics,
  silentRuntime,
  subAccounts,
} from './fakes.js';

const valid = { subAccount: 'acme', to: '+6591234567', from: 'ACME', text: 'hello' };

function setup() {
  const store = new FakeMessageStore();
  const queue = new FakeSendQueue();
  const metrics = new RecordingMetrics();
  const runtime = silentRuntime(metrics);
  let ids = 0;
  const common = {
    runtime,
    subAccounts,
    accept: acceptDepsWith(store, queue),
    publicBaseUrl: undefined,
    newMessageId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  };
  return {
    store,
    queue,
    metrics,
    postMessage: createPostMessageHandler({
      ...common,
      idempotency: new InMemoryIdempotency<AcceptedResponse>(),
    }),
    postBatch: createPostMessageBatchHandler(common),
    getMessage: createGetMessageHandler({ runtime, store }),
    getOpenApi: createGetOpenApiHandler({ runtime, publicBaseUrl: undefined }),
  };
}

const post = (body: unknown, overrides: Partial<APIGatewayProxyEvent> = {}) =>
  proxyEvent({ body: typeof body === 'string' ? body : JSON.stringify(body), ...overrides });

describe('POST /messages', () => {
  it('answers 202 with the status URL on the gateway’s stage, and counts it', async () => {
    const { postMessage, metrics, queue } = setup();
    const result = await postMessage(post(valid), lambdaContext());
    expect(result.statusCode).toBe(202);
    const body = JSON.parse(result.body);
    expect(body).toEqual({
      messageId: '00000000-0000-4000-8000-000000000001',
      status: 'accepted',
      encoding: 'GSM7',
      parts: 1,
      statusUrl:
        'https://abc.execute-api.eu-west-1.amazonaws.com/prod/messages/00000000-0000-4000-8000-000000000001',
    });
    expect(result.headers?.Location).toBe(body.statusUrl);
    expect(queue.sent[0]?.message.attributes.smppFleetCorrelationId?.StringValue).toBe('req-123');
    expect(metrics.counts.get('MessagesAccepted')).toBe(1);
    expect(metrics.flushes).toBe(1);
  });

  it('reads a base64-encoded body (binary media types on the gateway)', async () => {
    const { postMessage } = setup();
    const result = await postMessage(
      post(Buffer.from(JSON.stringify(valid)).toString('base64'), { isBase64Encoded: true }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(202);
  });

  it('replays a keyed request through the idempotency layer, with Idempotent-Replayed', async () => {
    const { postMessage, queue } = setup();
    const first = await postMessage(post({ ...valid, idempotencyKey: 'k' }), lambdaContext());
    const again = await postMessage(post(valid, { headers: { 'Idempotency-Key': 'k' } }), lambdaContext());
    expect(JSON.parse(first.body).messageId).toBe(messageIdForIdempotencyKey('acme', 'k'));
    expect(again.body).toBe(first.body);
    expect(again.headers?.['Idempotent-Replayed']).toBe('true');
    expect(queue.sent).toHaveLength(1);
    const conflict = await postMessage(
      post({ ...valid, text: 'other', idempotencyKey: 'k' }),
      lambdaContext(),
    );
    expect(conflict.statusCode).toBe(409);
  });

  it('answers 503 retryable when storage fails', async () => {
    const { postMessage, store } = setup();
    store.failCreate = true;
    const result = await postMessage(post(valid), lambdaContext());
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body)).toMatchObject({
      code: 'storage_unavailable',
      retryable: true,
      requestId: 'req-123',
    });
  });

  it('answers 405 to another method', async () => {
    const { postMessage } = setup();
    const result = await postMessage(proxyEvent({ httpMethod: 'GET' }), lambdaContext());
    expect(result.statusCode).toBe(405);
    expect(result.headers?.Allow).toBe('POST');
  });
});

describe('GET /messages/{id}', () => {
  it('answers 503 retryable when storage fails, 400 for an encoded non-id', async () => {
    const { getMessage, store } = setup();
    store.failCreate = true;
    const get = (id: string) =>
      getMessage(
        proxyEvent({
          httpMethod: 'GET',
          resource: '/messages/{id}',
          path: `/messages/${id}`,
          pathParameters: { id },
        }),
        lambdaContext(),
      );
    expect((await get('3f1c0b6e-8d5a-4c1e-9b2f-7a6d5e4c3b2a')).statusCode).toBe(503);
    expect((await get('%E0%A4%A')).statusCode).toBe(400);
    expect((await get('3f1c0b6e%2D8d5a-4c1e-9b2f-7a6d5e4c3b2a')).statusCode).toBe(503);
  });
});

describe('the handler frame', () => {
  it('answers 500 JSON, never throws, when a handler fails', async () => {
    const runtime = silentRuntime();
    const failing = createApiHandler({ method: 'GET', path: '/x' }, runtime, async () => {
      throw new Error('bug');
    });
    const result = await failing(proxyEvent({ httpMethod: 'GET' }), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'internal_error', requestId: 'req-123' });
    const misconfigured = createApiHandler({ method: 'GET', path: '/x' }, runtime, async () => {
      throw new ApiConfigError([{ field: 'X', message: 'missing' }]);
    });
    expect(
      JSON.parse((await misconfigured(proxyEvent({ httpMethod: 'GET' }), lambdaContext())).body).code,
    ).toBe('misconfigured');
  });
});

describe('any event at all', () => {
  const headerMap = fc.option(fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }), { nil: null });
  const eventParts = fc.record(
    {
      httpMethod: fc.oneof(fc.constantFrom('GET', 'POST'), fc.string()),
      headers: headerMap,
      multiValueHeaders: fc.option(fc.dictionary(fc.string(), fc.array(fc.string(), { maxLength: 3 })), {
        nil: null,
      }),
      queryStringParameters: fc.option(fc.dictionary(fc.string(), fc.string()), { nil: null }),
      multiValueQueryStringParameters: fc.option(fc.dictionary(fc.string(), fc.array(fc.string())), {
        nil: null,
      }),
      pathParameters: fc.option(fc.dictionary(fc.constantFrom('id', 'x', 'constructor'), fc.string()), {
        nil: null,
      }),
      body: fc.option(
        fc.oneof(fc.string(), fc.json(), fc.constant(JSON.stringify({ messages: [valid, 1, null] }))),
        {
          nil: null,
        },
      ),
      isBase64Encoded: fc.boolean(),
      requestContext: fc.constantFrom(undefined, {}, { requestId: '' }),
    },
    { requiredKeys: [] },
  );

  it('gets a JSON answer below 500 from every handler, and never an exception', async () => {
    const handlers = setup();
    await fc.assert(
      fc.asyncProperty(
        eventParts,
        fc.constantFrom('postMessage', 'postBatch', 'getMessage', 'getOpenApi'),
        async (parts, name) => {
          const event = { ...proxyEvent(), ...parts } as APIGatewayProxyEvent;
          const result = await handlers[name as 'postMessage'](event, lambdaContext());
          expect(result.statusCode, JSON.stringify({ name, parts }).slice(0, 400)).toBeLessThan(500);
          expect(() => JSON.parse(result.body)).not.toThrow();
        },
      ),
      { numRuns: 400 },
    );
  });
});
