import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
});
