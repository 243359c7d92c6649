/**
 * Plain JSON Schema (draft-4, as core/openApi.ts's `apiRequestModels()` gives it) → the CDK's JsonSchema
 * type for an API Gateway model. The CDK writes `$schema`/`$ref` as `schema`/`ref` and maps them back when
 * it synthesises (JsonSchemaMapper), leaving keys under `properties`, `definitions`, `patternProperties`
 * and `dependencies` alone because those are user-defined names; this is the inverse of that mapping.
 */
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';

const renamed: Readonly<Record<string, string>> = { $schema: 'schema', $ref: 'ref' };
const userNamedChildren = new Set(['properties', 'definitions', 'patternProperties', 'dependencies']);
/** Keywords API Gateway's draft-4 validator does not know; they would fail the model's creation or be noise. */
const dropped = new Set(['$id', 'propertyNames', 'examples', 'const', '$defs']);

export class UnsupportedSchemaError extends Error {
  override readonly name = 'UnsupportedSchemaError';
}

export function toApiGatewaySchema(schema: Readonly<Record<string, unknown>>): apigateway.JsonSchema {
  if (typeof schema.$schema === 'string' && !schema.$schema.includes('draft-04')) {
    throw new UnsupportedSchemaError(
      `API Gateway models are JSON Schema draft-4; got ${schema.$schema}. Generate the schema with target draft-4.`,
    );
  }
  return convert(schema, false) as apigateway.JsonSchema;
}

function convert(value: unknown, keysAreNames: boolean): unknown {
  if (Array.isArray(value)) return value.map((entry) => convert(entry, false));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (keysAreNames) {
      out[key] = convert(child, false);
      continue;
    }
    if (dropped.has(key)) continue;
    out[renamed[key] ?? key] = convert(child, userNamedChildren.has(key));
  }
  return out;
}
