/** GET /status (the page) and GET /status.json (the view) with a fake status source. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FleetStatusView } from '../../../core/fleetStatusView.js';
import { createGetStatusHandler, type StatusSource } from '../../../lambdas/getStatus.js';
import { createGetStatusPageHandler } from '../../../lambdas/getStatusPage.js';
import { lambdaContext, proxyEvent, silentRuntime } from './fakes.js';

const view = (generatedAtMs: number) => ({ generatedAtMs, problems: [] }) as unknown as FleetStatusView;

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

const getStatus = { httpMethod: 'GET', path: '/status.json', resource: '/status.json' };

describe('GET /status', () => {
  const handler = createGetStatusPageHandler({ runtime: silentRuntime() });

  it('serves the page with a Content-Security-Policy that lets exactly its own inline script run', async () => {
    const page = await handler(
      proxyEvent({ httpMethod: 'GET', path: '/status', resource: '/status' }),
      lambdaContext(),
    );
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['Content-Type']).toBe('text/html; charset=utf-8');
    const script = /<script>([\s\S]*?)<\/script>/.exec(page.body)?.[1] ?? '';
    const hash = createHash('sha256').update(script).digest('base64');
    expect(page.headers?.['Content-Security-Policy']).toContain(`script-src 'sha256-${hash}'`);
    expect(page.headers?.['Content-Security-Policy']).toContain("connect-src 'self'");
    // No CDN: nothing is loaded from another origin.
    expect(page.body).not.toMatch(/(src|href)="https?:/);
  });

  it('fetches status.json beside itself, so it works under a stage path like /v1/status', async () => {
    const page = await handler(
      proxyEvent({ httpMethod: 'GET', path: '/status', resource: '/status' }),
      lambdaContext(),
    );
    const script = /<script>([\s\S]*?)<\/script>/.exec(page.body)?.[1] ?? '';
    expect(script).not.toContain("fetch('/status.json'");
    const derive = new Function(
      'location',
      `${/const statusJsonPath = [^\n]*/.exec(script)?.[0]}; return statusJsonPath;`,
    ) as (location: { pathname: string }) => string;
    expect(derive({ pathname: '/status' })).toBe('/status.json');
    expect(derive({ pathname: '/v1/status' })).toBe('/v1/status.json');
    expect(derive({ pathname: '/v1/status/' })).toBe('/v1/status.json');
  });

  it('answers 405 to another method', async () => {
    const answer = await handler(
      proxyEvent({ httpMethod: 'POST', path: '/status', resource: '/status' }),
      lambdaContext(),
    );
    expect(answer.statusCode).toBe(405);
  });
});

describe('GET /status.json', () => {
  it('answers the view as JSON', async () => {
    const handler = createGetStatusHandler({
      runtime: silentRuntime(),
      source: { read: async () => view(7) },
    });
    const answer = await handler(proxyEvent(getStatus), lambdaContext());
    expect(answer.statusCode).toBe(200);
    expect(answer.headers?.['Content-Type']).toMatch(/^application\/json/);
    expect(answer.headers?.['Cache-Control']).toBe('no-store');
    expect(JSON.parse(answer.body)).toEqual(view(7));
  });

  it('shares one read between requests that come while it runs and shortly after', async () => {
    let clock = 0;
    const { source, answer } = controlledSource();
    const handler = createGetStatusHandler({
      runtime: silentRuntime(),
      source,
      minIntervalMs: 500,
      monotonicNow: () => clock,
    });
    const call = async () => (await handler(proxyEvent(getStatus), lambdaContext())).body;
    const first = call();
    const second = call();
    await Promise.resolve();
    answer(111);
    expect(await first).toBe(JSON.stringify(view(111)));
    expect(await second).toBe(JSON.stringify(view(111)));
    clock = 499;
    expect(await call()).toBe(JSON.stringify(view(111)));
    expect(source.reads).toBe(1);

    clock = 500;
    const later = call();
    await Promise.resolve();
    answer(222);
    expect(JSON.parse(await later)).toEqual(view(222));
    expect(source.reads).toBe(2);
  });

  it('answers a JSON 500 when reading fails, and reads again on the next request', async () => {
    let fail = true;
    const handler = createGetStatusHandler({
      runtime: silentRuntime(),
      source: {
        read: async () => {
          if (fail) throw new Error('table gone');
          return view(3);
        },
      },
    });
    const failed = await handler(proxyEvent(getStatus), lambdaContext());
    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body)).toMatchObject({ code: 'internal_error' });
    fail = false;
    expect((await handler(proxyEvent(getStatus), lambdaContext())).statusCode).toBe(200);
  });
});
