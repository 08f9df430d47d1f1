import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COVER_TYPES, EXAMPLE_FEATURES, SOIL_TYPES } from '@covertype/schema';
import { PredictResponseSchema } from '../src/schemas/predict.ts';
import { startApp, type TestApp } from './helper.ts';

interface Operation {
  parameters?: { in: string; name: string; required?: boolean }[];
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}
type Spec = { paths: Record<string, Record<string, Operation>> };

describe('the OpenAPI document at /docs/json', () => {
  let t: TestApp;
  let spec: Spec;
  before(async () => {
    t = await startApp();
    spec = (await t.app.inject('/docs/json')).json();
  });
  after(() => t.close());

  const operations = () =>
    Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );

  it('declares, for every route, exactly the path parameters in its path (Swagger UI can send each)', () => {
    assert.ok(operations().length > 10);
    for (const { path, method, op } of operations()) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? [])
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort();
      assert.deepEqual(declared, inPath, `${method} ${path}`);
    }
  });

  it('describes each status of each route, never "Default Response"', () => {
    for (const { path, method, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        assert.notEqual(response.description, 'Default Response', `${method} ${path} ${status}`);
      }
    }
    const statuses = (path: string, method = 'post') =>
      Object.keys(spec.paths[path]![method]!.responses).sort();
    assert.deepEqual(statuses('/predict'), ['200', '400', '404', '413', '415', '503']);
    assert.deepEqual(statuses('/predict/batch'), ['200', '400', '404', '413', '415', '503']);
    assert.deepEqual(statuses('/invocations'), ['200', '400', '413', '415', '503']);
    assert.deepEqual(statuses('/v2/models/{name}/infer'), ['200', '400', '404', '413', '415', '503']);
    assert.deepEqual(statuses('/readyz', 'get'), ['200', '503']);
    assert.match(spec.paths['/predict']!.post!.responses['415']!.description, /Content-Type/);
  });

  it('bounds integers by their meaning: Cover_Type 1..7, Soil_Type one of the 40 codes, never ±2^53', () => {
    const text = JSON.stringify(spec);
    assert.ok(!text.includes(String(Number.MAX_SAFE_INTEGER)), 'a ±2^53 bound is left in /docs');
    const response = spec.paths['/predict']!.post!.responses['200']!.content!['application/json']!.schema as {
      properties: Record<string, { minimum?: number; maximum?: number }>;
      example: Record<string, unknown>;
    };
    assert.equal(response.properties.Cover_Type!.minimum, 1);
    assert.equal(response.properties.Cover_Type!.maximum, 7);
    const body = (
      spec.paths['/predict']!.post as unknown as {
        requestBody: {
          content: Record<string, { schema: { properties: Record<string, { enum?: (number | null)[] }> } }>;
        };
      }
    ).requestBody.content['application/json']!.schema;
    // OpenAPI 3.0: a nullable enum lists null among its values.
    assert.deepEqual(body.properties.Soil_Type!.enum, [0, ...SOIL_TYPES, null]);
  });

  it('shows a real row and a consistent prediction as the /predict examples', () => {
    const op = spec.paths['/predict']!.post as unknown as {
      requestBody: { content: Record<string, { schema: { example: unknown } }> };
      responses: Record<
        string,
        { content: Record<string, { schema: { example: Record<string, unknown> } }> }
      >;
    };
    assert.deepEqual(op.requestBody.content['application/json']!.schema.example, EXAMPLE_FEATURES);
    const example = op.responses['200']!.content['application/json']!.schema.example;
    const label = example.Cover_Type as keyof typeof COVER_TYPES;
    assert.ok(label >= 1 && label <= 7);
    assert.equal(example.class_name, COVER_TYPES[label]);
    const p = example.probabilities as number[];
    assert.equal(p.length, 7);
    assert.equal(p.indexOf(Math.max(...p)) + 1, label);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.ok(PredictResponseSchema.safeParse(example).success, 'the example breaks its own schema');
  });

  it('lists text/csv beside JSON for /invocations', () => {
    const op = spec.paths['/invocations']!.post as unknown as { requestBody: { content: object } };
    assert.deepEqual(Object.keys(op.requestBody.content), ['application/json', 'text/csv']);
  });
});
