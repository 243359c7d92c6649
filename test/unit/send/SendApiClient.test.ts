import { describe, expect, it } from 'vitest';
import {
  SendApiError,
  SendAuthError,
  SendNetworkError,
  SendUnexpectedAnswerError,
} from '../../../local/send/errors.js';
import { SendApiClient } from '../../../local/send/SendApiClient.js';

const baseUrl = 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/';
const messageId = '6b0e6f1c-52a4-4c1f-9e3d-0a7b2c4d5e6f';
const request = { subAccount: 'acme', from: 'ACME', to: '+6591234567', text: 'hi' };

interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch that records each call and answers with `respond`'s result (or throws what it throws). */
function fakeFetch(respond: (call: Call) => Response): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const call = { url: String(input), init: init ?? {} };
    calls.push(call);
    return respond(call);
  }) as typeof fetch;
  return { fetch: fetchFn, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('SendApiClient', () => {
  it('posts the request as JSON under the stage and reads the 202', async () => {
    const { fetch, calls } = fakeFetch(() =>
      json(
        202,
        {
          messageId,
          status: 'accepted',
          encoding: 'GSM7',
          parts: 1,
          statusUrl: `${baseUrl}messages/${messageId}`,
        },
        { 'x-amzn-RequestId': 'req-1' },
      ),
    );
    const answer = await new SendApiClient({ baseUrl, fetch }).postMessage(request, { dryRun: false });
    expect(answer).toMatchObject({ kind: 'accepted', replayed: false, requestId: 'req-1' });
    expect(calls[0]?.url).toBe(`${baseUrl}messages`);
    expect(calls[0]?.init.method).toBe('POST');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual(request);
    expect(calls[0]?.init.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('reads Idempotent-Replayed', async () => {
    const { fetch } = fakeFetch(() =>
      json(
        202,
        { messageId, status: 'delivered', encoding: 'GSM7', parts: 1, statusUrl: 'x' },
        { 'Idempotent-Replayed': 'true' },
      ),
    );
    const answer = await new SendApiClient({ baseUrl, fetch }).postMessage(request, { dryRun: false });
    expect(answer).toMatchObject({ kind: 'accepted', replayed: true });
  });

  it('asks for a dry run with ?dryRun=true', async () => {
    const { fetch, calls } = fakeFetch(() =>
      json(200, { dryRun: true, subAccount: 'acme', encoding: 'GSM7', parts: 1, units: 2, maxParts: 10 }),
    );
    const answer = await new SendApiClient({ baseUrl, fetch }).postMessage(request, { dryRun: true });
    expect(answer.kind).toBe('dryRun');
    expect(calls[0]?.url).toBe(`${baseUrl}messages?dryRun=true`);
  });

  it('hands every request to the signer and sends the headers it returns', async () => {
    const { fetch, calls } = fakeFetch(() =>
      json(200, {
        messageId,
        subAccount: 'acme',
        status: 'submitted',
        parts: [],
        createdAt: 1,
        updatedAt: 2,
      }),
    );
    const client = new SendApiClient({
      baseUrl,
      fetch,
      signer: async (outgoing) => ({
        ...outgoing.headers,
        authorization: `signed ${outgoing.method} ${outgoing.url.pathname}`,
      }),
    });
    const record = await client.getMessage(messageId);
    expect(record.status).toBe('submitted');
    expect(calls[0]?.init.headers).toEqual({ authorization: `signed GET /v1/messages/${messageId}` });
  });

  it('turns a signer failure into an auth error before anything is sent', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, {}));
    const client = new SendApiClient({
      baseUrl,
      fetch,
      signer: async () => {
        throw new Error('Could not load credentials from any providers');
      },
    });
    await expect(client.getMessage(messageId)).rejects.toThrow(
      new SendAuthError('could not sign the request: Could not load credentials from any providers'),
    );
    expect(calls).toEqual([]);
  });

  it('keeps the API’s error body and status', async () => {
    const body = {
      error: 'The send request is invalid: 1 problem, listed in errors',
      code: 'invalid_request',
      errors: [{ field: 'to', message: 'must start with +' }],
      requestId: 'req-2',
    };
    const { fetch } = fakeFetch(() => json(400, body));
    const error = await new SendApiClient({ baseUrl, fetch })
      .postMessage(request, { dryRun: false })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SendApiError);
    expect(error).toMatchObject({ status: 400, body, url: `${baseUrl}messages` });
  });

  it('keeps a non-API error body as text', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>Bad Gateway</html>', { status: 502 }));
    const error = await new SendApiClient({ baseUrl, fetch })
      .getMessage(messageId)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 502, body: undefined, text: '<html>Bad Gateway</html>' });
  });

  it('refuses a 2xx that is not the API’s answer', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>welcome</html>', { status: 200 }));
    await expect(new SendApiClient({ baseUrl, fetch }).getMessage(messageId)).rejects.toBeInstanceOf(
      SendUnexpectedAnswerError,
    );
    const { fetch: other } = fakeFetch(() => json(200, { hello: 'world' }));
    await expect(new SendApiClient({ baseUrl, fetch: other }).getMessage(messageId)).rejects.toThrow(
      /JSON that is not the API's answer/,
    );
  });

  it('names the system error of a failed connection, and a timeout as ETIMEDOUT', async () => {
    const refused = fakeFetch(() => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      });
    });
    await expect(
      new SendApiClient({ baseUrl, fetch: refused.fetch }).getMessage(messageId),
    ).rejects.toMatchObject({
      name: 'SendNetworkError',
      code: 'ECONNREFUSED',
      url: `${baseUrl}messages/${messageId}`,
    });
    const both = fakeFetch(() => {
      // localhost resolves to ::1 and 127.0.0.1: fetch reports both refusals in one AggregateError.
      throw new TypeError('fetch failed', {
        cause: new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })]),
      });
    });
    await expect(
      new SendApiClient({ baseUrl, fetch: both.fetch }).getMessage(messageId),
    ).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    const slow = fakeFetch(() => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    });
    const error = await new SendApiClient({ baseUrl, fetch: slow.fetch })
      .getMessage(messageId)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SendNetworkError);
    expect(error).toMatchObject({ code: 'ETIMEDOUT' });
  });
});
