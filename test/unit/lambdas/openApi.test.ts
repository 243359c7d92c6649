import { describe, expect, it } from 'vitest';
import { apiOperations, apiRequestModels, openApiDocument } from '../../../core/openApi.js';
import { sendRequestJsonSchema } from '../../../core/sendRequest.js';

type Json = Record<string, unknown>;

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') found.push(child);
      else refsIn(child, found);
    }
  }
  return found;
}

describe('openApiDocument', () => {
  const document = openApiDocument({ serverUrl: 'https://api.example.com/prod' }) as Json & {
    paths: Record<string, Record<string, Json>>;
    components: { schemas: Record<string, Json> };
  };

  it('is OpenAPI 3.0 with the given server', () => {
    expect(document.openapi).toBe('3.0.3');
    expect(document.servers).toEqual([{ url: 'https://api.example.com/prod' }]);
    expect(openApiDocument()).not.toHaveProperty('servers');
  });

  it('documents exactly the API’s operations', () => {
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      Object.values(apiOperations)
        .map((op) => `${op.method} ${op.path}`)
        .sort(),
    );
  });

  it('resolves every $ref to a component, and components carry no $id', () => {
    for (const ref of refsIn(document)) {
      const name = ref.replace('#/components/schemas/', '');
      expect(document.components.schemas[name], ref).toBeDefined();
    }
    for (const schema of Object.values(document.components.schemas)) expect(schema).not.toHaveProperty('$id');
  });

  it('describes the send request from core’s own schema', () => {
    const fromCore = sendRequestJsonSchema() as Json & { properties: Json; required: string[] };
    const component = document.components.schemas.SendRequest as Json & {
      properties: Json;
      required: string[];
    };
    expect(Object.keys(component.properties).sort()).toEqual(Object.keys(fromCore.properties).sort());
    expect(component.required.sort()).toEqual(fromCore.required.sort());
    expect(component.additionalProperties).toBe(false);
  });

  it('describes every error answer with the Error schema', () => {
    const post = document.paths['/messages']?.post as { responses: Record<string, { content?: Json }> };
    for (const status of ['400', '409', '413', '415', '503']) {
      expect(refsIn(post.responses[status])).toEqual(['#/components/schemas/Error']);
    }
  });
});

describe('apiRequestModels', () => {
  it('gives draft-4 models: the strict send request, and only the batch envelope', () => {
    const models = apiRequestModels();
    expect(models.sendRequest.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(models.sendRequest.additionalProperties).toBe(false);
    expect(refsIn(models)).toEqual([]);
    expect(models.batchRequest).toMatchObject({
      required: ['messages'],
      properties: { messages: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'object' } } },
    });
  });
});
