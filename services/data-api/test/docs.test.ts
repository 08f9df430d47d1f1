import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testApp } from './helper.ts';

test('GET /docs serves Swagger UI and /docs/json the OpenAPI document of every route', async (t) => {
  const app = await testApp();
  t.after(() => app.close());
  const ui = await app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(ui.statusCode, 200);
  assert.match(ui.headers['content-type'] as string, /text\/html/);

  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  assert.match(doc.openapi, /^3\./);
  assert.deepEqual(Object.keys(doc.paths).sort(), [
    '/data',
    '/data/summary',
    '/healthz',
    '/readyz',
    '/restart_data_generation',
  ]);
  const param = doc.paths['/data'].get.parameters[0];
  assert.equal(param.name, 'group_number');
  assert.equal(param.required, true);
  assert.deepEqual(param.schema, { type: 'integer', minimum: 1, maximum: 10, example: 1 });
  const ok = doc.paths['/data'].get.responses['200'].content['application/json'].schema;
  assert.deepEqual(Object.keys(ok.properties), ['group_number', 'batch_number', 'data']);
});

test('GET /healthz answers ok and GET /readyz ready with the row count', async (t) => {
  const app = await testApp();
  t.after(() => app.close());
  assert.deepEqual((await app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
  assert.deepEqual((await app.inject({ method: 'GET', url: '/readyz' })).json(), {
    status: 'ready',
    rows: 200,
  });
});
