/**
 * The status proxy between a browser and the deployed API: it forwards GET /status and /status.json under
 * the API's stage with the auth the API wants, relays the page's headers, and signs nothing else. The API is
 * a plain node:http server here that records what reached it.
 */
import { createServer, get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSigV4Signer } from '../../../local/send/sigV4Signer.js';
import { type StatusProxy, startStatusProxy } from '../../../local/statusProxy/startStatusProxy.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

describe('status proxy', () => {
  let upstream: Server;
  let upstreamUrl = '';
  const seen: Seen[] = [];
  let proxy: StatusProxy | undefined;

  beforeAll(async () => {
    upstream = createServer((request, response) => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
      request.resume();
      if (request.url?.endsWith('/status.json')) {
        response.writeHead(200, { 'Content-Type': 'application/json', 'x-amzn-RequestId': 'r-1' });
        response.end('{"generatedAtMs":1}');
      } else {
        response.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Security-Policy': "default-src 'none'",
          'Set-Cookie': 'not=relayed',
        });
        response.end('<h1>status</h1>');
      }
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1/`;
  });
  afterEach(async () => {
    await proxy?.stop();
    seen.length = 0;
  });
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

  it('forwards the page and its data under the stage, with the API key, and relays the page’s CSP', async () => {
    proxy = await startStatusProxy({
      baseUrl: upstreamUrl,
      port: 0,
      signer: async (request) => ({ ...request.headers, 'x-api-key': 'key-1' }),
    });
    const page = await fetch(`${proxy.url}/status`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(page.headers.get('set-cookie')).toBeNull();
    expect(await page.text()).toBe('<h1>status</h1>');
    const data = await fetch(`${proxy.url}/status.json`);
    expect(await data.json()).toEqual({ generatedAtMs: 1 });
    expect(data.headers.get('x-amzn-requestid')).toBe('r-1');
    expect(seen.map((request) => `${request.method} ${request.url} ${request.headers['x-api-key']}`)).toEqual(
      ['GET /v1/status key-1', 'GET /v1/status.json key-1'],
    );
  });

  it('signs with SigV4 for execute-api when asked', async () => {
    proxy = await startStatusProxy({
      baseUrl: upstreamUrl,
      port: 0,
      signer: createSigV4Signer({
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      }),
    });
    expect((await fetch(`${proxy.url}/status.json`)).status).toBe(200);
    expect(seen[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=/,
    );
    expect(seen[0]?.headers['x-amz-date']).toBeDefined();
  });

  it('sends / to the page, and forwards no other path and no other method', async () => {
    proxy = await startStatusProxy({ baseUrl: upstreamUrl, port: 0 });
    const root = await fetch(`${proxy.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/status');
    expect((await fetch(`${proxy.url}/messages`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${proxy.url}/status.json`, { method: 'POST', body: '{}' })).status).toBe(405);
    expect(seen).toEqual([]);
  });

  it('answers only requests addressed to itself (no DNS rebinding)', async () => {
    proxy = await startStatusProxy({ baseUrl: upstreamUrl, port: 0 });
    const port = proxy.port;
    const status = await new Promise<number>((resolve, reject) => {
      const request = get(
        { host: '127.0.0.1', port, path: '/status.json', headers: { host: `evil.example:${port}` } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
    });
    expect(status).toBe(421);
    expect(seen).toEqual([]);
  });
});
