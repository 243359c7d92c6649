/**
 * A local HTTP server that lets a browser open the deployed stack's status page: the API wants every
 * request signed with SigV4 (or carrying an API key), which a browser cannot do. It forwards GET /status and
 * GET /status.json to the API under its stage, adding the signature (or the key), and relays the answer
 * with its headers (the page's Content-Security-Policy included).
 *
 * It signs nothing else: no other path, no other method, so a page on this machine cannot use it to send an
 * SMS. It answers only requests addressed to itself by name (Host 127.0.0.1/localhost:<port>), so a web page
 * on a rebinding DNS name cannot read the status through it either.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestSigner } from '../send/SendApiClient.js';

export interface StatusProxyOptions {
  /** The API's base URL with the stage, ending in `/`: `https://abc.execute-api.eu-west-1.amazonaws.com/v1/`. */
  readonly baseUrl: string;
  /** Adds the auth headers. @default none (a local API) */
  readonly signer?: RequestSigner;
  /** @default 8080 */
  readonly port?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** Abort one upstream request after this. @default 10 s */
  readonly requestTimeoutMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export interface StatusProxy {
  /** `http://127.0.0.1:<port>`; the page is at `${url}/status`. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The proxy's paths → the API's (relative to its base, so the stage is kept). */
const forwarded: Readonly<Record<string, string>> = { '/status': 'status', '/status.json': 'status.json' };
/** Answer headers passed back to the browser; hop-by-hop and AWS's own are dropped. */
const relayedHeaders = [
  'content-type',
  'cache-control',
  'content-security-policy',
  'x-content-type-options',
  'referrer-policy',
  'x-amzn-requestid',
];

export async function startStatusProxy(options: StatusProxyOptions): Promise<StatusProxy> {
  const signer: RequestSigner = options.signer ?? (async (request) => request.headers);
  const fetchUpstream = options.fetch ?? globalThis.fetch;
  const host = options.host ?? '127.0.0.1';
  let port = 0;

  const answer = (response: ServerResponse, status: number, text: string, headers = {}) => {
    response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    response.end(`${text}\n`);
  };

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
    if (!allowedHosts.includes(request.headers.host ?? '')) {
      answer(response, 421, `This proxy answers only http://localhost:${port}/`);
      return;
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/(.)\/+$/, '$1');
    if (path === '/') {
      response.writeHead(302, { Location: '/status', 'Cache-Control': 'no-store' });
      response.end();
      return;
    }
    const target = forwarded[path];
    if (target === undefined) {
      answer(response, 404, 'Only /status and /status.json are forwarded');
      return;
    }
    if (request.method !== 'GET') {
      answer(response, 405, 'Only GET is forwarded', { Allow: 'GET' });
      return;
    }
    const url = new URL(target, options.baseUrl);
    const headers = await signer({ method: 'GET', url, headers: { accept: '*/*' } });
    let upstream: Response;
    try {
      upstream = await fetchUpstream(url, {
        headers,
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 10_000),
      });
    } catch (error) {
      answer(response, 502, `${url} could not be reached: ${error instanceof Error ? error.message : error}`);
      return;
    }
    const body = Buffer.from(await upstream.arrayBuffer());
    const relayed: Record<string, string> = {};
    for (const name of relayedHeaders) {
      const value = upstream.headers.get(name);
      if (value !== null) relayed[name] = value;
    }
    response.writeHead(upstream.status, relayed);
    response.end(body);
  };

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      if (response.headersSent) response.destroy();
      else answer(response, 500, `status proxy: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
