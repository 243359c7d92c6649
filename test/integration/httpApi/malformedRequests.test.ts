/**
 * Property tests: malformed bodies, headers, paths, methods and raw bytes thrown at the local server in
 * front of the real handlers (and the emulator behind them). Every answer is a 4xx with a JSON body — never
 * a 5xx, never a crash — and the server keeps answering afterwards.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSendRequest } from '../../../core/sendRequest.js';
import { useSendApi } from '../lambdas/sendApiFixture.js';

const api = useSendApi({ subAccounts: [{ id: 'acme', password: { env: 'ACME_PASSWORD' }, maxParts: 2 }] });

const valid = { subAccount: 'acme', to: '+6591234567', from: 'ACME', text: 'hello' };
const schemaFields = new Set([
  'subAccount',
  'to',
  'from',
  'text',
  'idempotencyKey',
  'clientReference',
  'validityPeriod',
  'registeredDelivery',
  'context',
]);

interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

async function send({ method, path, headers = {}, body }: Sent): Promise<{ status: number; text: string }> {
  const response = await fetch(`${api().api.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, text: await response.text() };
}

function expectJsonClientError(answer: { status: number; text: string }, what: unknown) {
  const context = `${JSON.stringify(what).slice(0, 300)} → ${answer.status} ${answer.text.slice(0, 200)}`;
  expect(answer.status, context).toBeGreaterThanOrEqual(400);
  expect(answer.status, context).toBeLessThan(500);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  expect(typeof body.error === 'string' || typeof body.message === 'string', context).toBe(true);
}

/** Values of the wrong type for any send-request field. */
const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
);

/** JSON text that is never a valid send request for this fleet. */
const invalidJsonBodies = fc
  .oneof(
    // Not an object at all.
    fc.jsonValue().filter((value) => typeof value !== 'object' || value === null || Array.isArray(value)),
    // A valid request with one field of the wrong type.
    fc
      .tuple(fc.constantFrom(...schemaFields), wrongType)
      .map(([field, value]) => ({ ...valid, [field]: value })),
    // A valid request plus a field the schema does not have.
    fc
      .tuple(
        fc.string({ minLength: 1 }).filter((key) => !schemaFields.has(key) && key !== '__proto__'),
        fc.jsonValue(),
      )
      .map(([key, value]) => ({ ...valid, [key]: value })),
    // Random objects (they lack required fields or carry unknown ones).
    fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 }),
    // Strings where numbers belong, numbers in strings, deep nesting.
    fc
      .record({
        subAccount: fc.string(),
        to: fc.string(),
        from: fc.string(),
        text: fc.string({ maxLength: 3_000 }),
      })
      .filter((request) => request.subAccount !== 'acme'),
  )
  // A wrong-typed field can still be valid (a boolean for registeredDelivery, {} for context): keep only
  // what the shared schema refuses, or what names a sub-account the fleet does not have.
  .filter((value) => {
    const parsed = parseSendRequest(value);
    return !parsed.ok || parsed.request.subAccount !== 'acme';
  })
  .map((value) => JSON.stringify(value));

/** Deeply nested JSON, written as text (JSON.stringify itself would overflow the stack on it). */
const deepJsonBodies = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => {
    const close = open === '[' ? ']' : '}';
    return `${JSON.stringify(valid).slice(0, -1)},"context":${open.repeat(depth)}1${close.repeat(depth)}}`;
  });

const brokenText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    ' ',
    '{',
    '{"subAccount":',
    'null',
    '[]',
    '{"a":1}{"b":2}',
    '\uFEFF',
    '{"to":"\\ud800"}',
  ),
  fc.jsonValue().map((value) => `${JSON.stringify(value)}garbage`),
);

const contentTypes = fc.oneof(
  fc.constant('application/json'),
  fc.constant('application/json; charset=utf-8'),
  fc.constantFrom(
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    'application/vnd.api+json',
    'application/octet-stream',
    '*/*',
    'json',
  ),
  fc.stringMatching(/^[a-z]{1,10}\/[a-z+.-]{1,15}(; ?[a-z]{1,8}=[a-z0-9-]{1,10})?$/),
);

describe('the local API under malformed input', () => {
  it('answers every malformed send body with a JSON 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/messages', '/messages?dryRun=true', '/messages/batch'),
        fc.oneof(invalidJsonBodies, deepJsonBodies, brokenText),
        fc.option(contentTypes, { nil: undefined }),
        async (path, body, contentType) => {
          // The batch route gets the same garbage as a whole body and as items.
          const wrapped =
            path === '/messages/batch' && body.startsWith('{') ? `{"messages":[${body}]}` : body;
          const sent: Sent = {
            method: 'POST',
            path,
            headers: contentType === undefined ? {} : { 'Content-Type': contentType },
            body: wrapped,
          };
          const answer = await send(sent);
          if (path === '/messages/batch' && answer.status === 200) {
            // An envelope that parsed: then each item must be rejected, none accepted.
            const results = (JSON.parse(answer.text) as { results: { result: string }[] }).results;
            expect(results.every((result) => result.result === 'rejected')).toBe(true);
            return;
          }
          expectJsonClientError(answer, sent);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('answers arbitrary bytes, as text or base64, with a JSON 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/messages', '/messages/batch'),
        fc.uint8Array({ maxLength: 2_000 }),
        contentTypes,
        async (path, bytes, contentType) => {
          const sent = { method: 'POST', path, headers: { 'Content-Type': contentType }, body: bytes };
          expectJsonClientError(await send(sent), { ...sent, body: Buffer.from(bytes).toString('base64') });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers malformed headers (idempotency keys, content types, junk) with a JSON 4xx', async () => {
    const headerName = fc
      .stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,30}$/)
      .filter(
        (name) =>
          ![
            'content-length',
            'transfer-encoding',
            'host',
            'connection',
            'expect',
            'upgrade',
            'te',
            'trailer',
            'keep-alive',
          ].includes(name.toLowerCase()),
      );
    const headerValue = fc.stringMatching(/^[\x21-\x7E]([\x20-\x7E]{0,60}[\x21-\x7E])?$/);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
        headerValue,
        fc.constantFrom(JSON.stringify(valid), JSON.stringify({ ...valid, idempotencyKey: 'key' }), '{'),
        async (headers, idempotencyKey, body) => {
          // JSON unless a random header says otherwise; the key always has a space, so it is always refused
          // (on its own, or as different from the body's).
          const all: Record<string, string> = {
            'Content-Type': 'application/json',
            ...headers,
            'Idempotency-Key': `${idempotencyKey} x`,
          };
          const sent = { method: 'POST', path: '/messages', headers: all, body };
          expectJsonClientError(await send(sent), sent);
        },
      ),
      { numRuns: 250 },
    );
  });

  it('answers unknown paths, bad ids and wrong methods with a JSON 4xx', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'FOO');
    const path = fc.oneof(
      fc.webPath(),
      fc.webSegment().map((segment) => `/messages/${segment}`),
      fc.string().map((text) => `/messages/${encodeURIComponent(text)}`),
      fc.uuid().map((id) => `/messages/${id}`),
      fc.constantFrom(
        '/',
        '/messages',
        '/messages/batch',
        '/messages/',
        '//messages',
        '/openapi.json',
        '/messages/%E0%A4%A',
        '/messages/..%2F..%2Fetc',
      ),
      fc.tuple(fc.webPath(), fc.webQueryParameters()).map(([base, query]) => `${base || '/'}?${query}`),
    );
    await fc.assert(
      fc.asyncProperty(
        method,
        path,
        fc.option(fc.string(), { nil: undefined }),
        async (verb, target, body) => {
          const sent = {
            method: verb,
            path: target.startsWith('/') ? target : `/${target}`,
            ...(body === undefined || verb === 'GET' ? {} : { body }),
          };
          const answer = await send(sent);
          if (verb === 'GET' && sent.path.split('?')[0] === '/openapi.json') {
            expect(answer.status).toBe(200);
            return;
          }
          expectJsonClientError(answer, sent);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('answers bytes that are not HTTP with a JSON 400 (or closes), and keeps serving', async () => {
    const garbage = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.string().map((line) => Buffer.from(`${line}\r\n\r\n`)),
      fc
        .constantFrom(
          'GET /messages HTTP/9.9\r\n\r\n',
          'POST /messages HTTP/1.1\r\nContent-Length: abc\r\n\r\n',
          'POST /messages HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
          'GET / HTTP/1.1\r\nBad Header\r\n\r\n',
          `GET / HTTP/1.1\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`,
        )
        .map((text) => Buffer.from(text)),
    );
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(garbage, async (bytes) => {
        const answer = await new Promise<string>((resolve) => {
          const socket = connect(api().api.port, '127.0.0.1');
          let received = '';
          socket.on('data', (chunk) => {
            received += chunk.toString('latin1');
          });
          socket.on('error', () => resolve(received));
          socket.on('close', () => resolve(received));
          socket.setTimeout(2_000, () => socket.destroy());
          socket.end(bytes);
        });
        if (answer === '') return;
        answered++;
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
        expect(status, answer.slice(0, 200)).toBeGreaterThanOrEqual(400);
        expect(status, answer.slice(0, 200)).toBeLessThan(500);
        const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
        if (body.length > 0 && !answer.includes('Transfer-Encoding: chunked'))
          expect(() => JSON.parse(body)).not.toThrow();
      }),
      { numRuns: 150 },
    );
    expect(answered).toBeGreaterThan(100);
    const health = await send({ method: 'GET', path: '/openapi.json' });
    expect(health.status).toBe(200);
  });

  it('answers a body over the route’s limit with a JSON 413', async () => {
    const big = JSON.stringify({ ...valid, text: 'x'.repeat(70 * 1024) });
    const answer = await send({
      method: 'POST',
      path: '/messages',
      headers: { 'Content-Type': 'application/json' },
      body: big,
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text).code).toBe('payload_too_large');
  });

  it('still answers a valid request after all that', async () => {
    const answer = await send({
      method: 'POST',
      path: '/messages',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(valid),
    });
    expect(answer.status).toBe(202);
  });
});
