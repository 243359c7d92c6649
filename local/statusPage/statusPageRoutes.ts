/**
 * The status page's routes for the local HTTP server (`startHttpApi({ extraRoutes })`):
 *   GET /             the page (statusPage.html: one static file, its script inline, no CDN)
 *   GET /status.json  the view model (fleetStatusView.ts), which the page polls every second
 *
 * Reads are shared: a request within `minIntervalMs` of the last read, or while one is running, gets that
 * read's answer, so several open tabs cost the emulator no more than one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { LocalRoute } from '../httpApi/startHttpApi.js';
import type { FleetStatusView } from './fleetStatusView.js';

export interface StatusSource {
  read(): Promise<FleetStatusView>;
}

export interface StatusPageRoutesOptions {
  /** @default 500 */
  minIntervalMs?: number;
  /** A clock that never steps back. @default performance.now */
  monotonicNow?: () => number;
}

const pageHtml = readFileSync(new URL('./statusPage.html', import.meta.url), 'utf8');

/**
 * Only the page's own inline script and style may run, and it may only fetch from this server: computed
 * from the file, so editing the page cannot leave a stale hash behind.
 */
function contentSecurityPolicy(html: string): string {
  const hashes = (tag: string) =>
    [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))]
      .map(
        (match) =>
          `'sha256-${createHash('sha256')
            .update(match[1] ?? '')
            .digest('base64')}'`,
      )
      .join(' ');
  return [
    "default-src 'none'",
    `script-src ${hashes('script')}`,
    `style-src ${hashes('style')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const pageHeaders = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': contentSecurityPolicy(pageHtml),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export function statusPageRoutes(source: StatusSource, options: StatusPageRoutesOptions = {}): LocalRoute[] {
  const minIntervalMs = options.minIntervalMs ?? 500;
  const monotonicNow = options.monotonicNow ?? (() => performance.now());
  let last: { view: FleetStatusView; atMs: number } | undefined;
  let running: Promise<FleetStatusView> | undefined;

  const currentView = (): Promise<FleetStatusView> => {
    if (last !== undefined && monotonicNow() - last.atMs < minIntervalMs) return Promise.resolve(last.view);
    running ??= source
      .read()
      .then((view) => {
        last = { view, atMs: monotonicNow() };
        return view;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  return [
    {
      method: 'GET',
      path: '/',
      handle: (request, response) => {
        request.resume();
        response.writeHead(200, pageHeaders);
        response.end(pageHtml);
      },
    },
    {
      method: 'GET',
      path: '/status.json',
      handle: async (request, response) => {
        request.resume();
        try {
          writeJson(response, 200, await currentView());
        } catch (error) {
          // The reader names failed sources itself; this is a fault in the reader or the view.
          writeJson(response, 500, {
            error: `could not read the fleet's status: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
      },
    },
  ];
}

function writeJson(response: ServerResponse, statusCode: number, body: unknown): void {
  response.writeHead(statusCode, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(JSON.stringify(body));
}
