import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiEnv } from '../../../core/apiEnv.js';
import { apiOperations } from '../../../core/openApi.js';
import { apiRoutes, findRoute, matchRoutePath } from '../../../lambdas/routes.js';
import { apiHandlerFactories } from '../../../local/httpApi/apiHandlers.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('the route table', () => {
  it('has one route per operation, with the operation’s method and path', () => {
    expect(apiRoutes.map((route) => route.id).sort()).toEqual(Object.keys(apiOperations).sort());
    for (const route of apiRoutes) {
      expect({ method: route.method, path: route.path }).toEqual(apiOperations[route.id]);
    }
  });

  it('points at entry files that exist and export `handler`', async () => {
    for (const route of apiRoutes) {
      const file = join(repoRoot, route.entry);
      expect(existsSync(file), route.entry).toBe(true);
      const module = (await import(pathToFileURL(file).href)) as { handler?: unknown };
      expect(typeof module.handler, route.entry).toBe('function');
    }
  });

  it('names only environment variables core/apiEnv.ts defines', () => {
    const known = new Set<string>(Object.values(apiEnv));
    for (const route of apiRoutes) for (const name of route.env) expect(known.has(name), name).toBe(true);
  });

  it('is served locally by a factory for every route', () => {
    expect(Object.keys(apiHandlerFactories).sort()).toEqual(apiRoutes.map((route) => route.id).sort());
  });
});

describe('findRoute', () => {
  it('prefers a literal segment to a path parameter, as API Gateway does', () => {
    expect(findRoute('POST', '/messages/batch')).toMatchObject({
      match: { route: { id: 'postMessageBatch' } },
    });
    expect(findRoute('GET', '/messages/abc')).toMatchObject({
      match: { route: { id: 'getMessage' }, pathParameters: { id: 'abc' } },
    });
    expect(findRoute('GET', '/messages/batch')).toEqual({ allowed: ['POST'] });
  });

  it('lists the methods a known path has, and nothing for an unknown path', () => {
    expect(findRoute('DELETE', '/messages')).toEqual({ allowed: ['POST'] });
    expect(findRoute('GET', '/nothing')).toBeUndefined();
    expect(findRoute('GET', '/messages/a/b')).toBeUndefined();
  });
});

describe('matchRoutePath', () => {
  it('matches whole segments only and never an empty parameter', () => {
    expect(matchRoutePath('/messages/{id}', '/messages/x')).toEqual({ id: 'x' });
    expect(matchRoutePath('/messages/{id}', '/messages/')).toBeUndefined();
    expect(matchRoutePath('/messages', '/messagesx')).toBeUndefined();
    expect(matchRoutePath('/', '/')).toEqual({});
  });
});
