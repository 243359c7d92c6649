import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { FleetStatusView } from '../../../local/statusPage/fleetStatusView.js';
import { type StatusSource, statusPageRoutes } from '../../../local/statusPage/statusPageRoutes.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function call(routes: ReturnType<typeof statusPageRoutes>, path: string): Promise<Answer> {
  const route = routes.find((candidate) => candidate.path === path);
  if (route === undefined) throw new Error(`no route ${path}`);
  const answer: Answer = { status: 0, headers: {}, body: '' };
  const request = { resume: () => undefined } as unknown as IncomingMessage;
  const response = {
    writeHead(status: number, headers: Record<string, string>) {
      answer.status = status;
      answer.headers = headers;
      return this;
    },
    end(body: string) {
      answer.body = body;
    },
  } as unknown as ServerResponse;
  await route.handle(request, response, {});
  return answer;
}

const view = (generatedAtMs: number) => ({ generatedAtMs }) as unknown as FleetStatusView;

/** A source that counts its reads and answers when the test says so. */
function controlledSource() {
  const pending: ((view: FleetStatusView) => void)[] = [];
  const source: StatusSource & { reads: number } = {
    reads: 0,
    read() {
      source.reads += 1;
      return new Promise((resolve) => pending.push(resolve));
    },
  };
  return { source, answer: (generatedAtMs: number) => pending.shift()?.(view(generatedAtMs)) };
}

describe('statusPageRoutes', () => {
  it('serves GET / and GET /status.json only', () => {
    expect(
      statusPageRoutes({ read: async () => view(1) }).map((route) => `${route.method} ${route.path}`),
    ).toEqual(['GET /', 'GET /status.json']);
  });

  it('serves the page with a Content-Security-Policy that lets exactly its own inline script run', async () => {
    const page = await call(statusPageRoutes({ read: async () => view(1) }), '/');
    expect(page.status).toBe(200);
    expect(page.headers['Content-Type']).toBe('text/html; charset=utf-8');
    const script = /<script>([\s\S]*?)<\/script>/.exec(page.body)?.[1] ?? '';
    expect(script).toContain("fetch('/status.json'");
    const hash = createHash('sha256').update(script).digest('base64');
    expect(page.headers['Content-Security-Policy']).toContain(`script-src 'sha256-${hash}'`);
    expect(page.headers['Content-Security-Policy']).toContain("connect-src 'self'");
    // No CDN: nothing is loaded from another origin.
    expect(page.body).not.toMatch(/(src|href)="https?:/);
  });

  it('shares one read between requests that come while it runs and shortly after', async () => {
    let clock = 0;
    const { source, answer } = controlledSource();
    const routes = statusPageRoutes(source, { minIntervalMs: 500, monotonicNow: () => clock });
    const first = call(routes, '/status.json');
    const second = call(routes, '/status.json');
    answer(111);
    expect((await first).body).toBe(JSON.stringify(view(111)));
    expect((await second).body).toBe(JSON.stringify(view(111)));
    clock = 499;
    expect((await call(routes, '/status.json')).body).toBe(JSON.stringify(view(111)));
    expect(source.reads).toBe(1);

    clock = 500;
    const later = call(routes, '/status.json');
    answer(222);
    expect(JSON.parse((await later).body)).toEqual({ generatedAtMs: 222 });
    expect(source.reads).toBe(2);
  });

  it('answers 500 with the reason when reading fails, and reads again on the next request', async () => {
    let fail = true;
    const routes = statusPageRoutes({
      read: async () => {
        if (fail) throw new Error('table gone');
        return view(3);
      },
    });
    const failed = await call(routes, '/status.json');
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toEqual({ error: "could not read the fleet's status: table gone" });
    fail = false;
    expect((await call(routes, '/status.json')).status).toBe(200);
  });
});
