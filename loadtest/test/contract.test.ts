// The k6 payloads and checks against the real inference API: if its request or response shape
// drifts, the load tests would measure the 400 path or fail every check; this catches it here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { dataFile } from '@covertype/testkit';
import { batchChecks, predictChecks, type ResponseLike } from '../lib/checks.ts';
import { buildBatch, parseServingCsv, pickRow } from '../lib/payloads.ts';
import { type InferenceApi, startInferenceApi } from './helper.ts';

let api: InferenceApi;
let base: string;

before(async () => {
  api = await startInferenceApi();
  base = api.base;
});

after(() => api?.stop());

const rows = parseServingCsv(readFileSync(dataFile('covertype_serving.csv'), 'utf8'), 100);

async function post(route: string, body: unknown): Promise<ResponseLike> {
  const res = await fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

const failing = (checks: Record<string, (r: ResponseLike) => boolean>, r: ResponseLike) =>
  Object.entries(checks)
    .filter(([, check]) => !check(r))
    .map(([name]) => name);

test('the single-row payload from the serving CSV passes every /predict check', async () => {
  for (const i of [0, 1, 57]) {
    const r = await post('/predict', pickRow(rows, i));
    assert.deepEqual(failing(predictChecks, r), [], String(r.body));
  }
});

test('the batch payload passes every /predict/batch check', async () => {
  const r = await post('/predict/batch', buildBatch(rows, 3, 32));
  assert.deepEqual(failing(batchChecks(32), r), [], String(r.body).slice(0, 500));
});

test('the checks do fail on a refused request', async () => {
  const r = await post('/predict', { Elevation: 'high' });
  assert.equal(r.status, 400);
  assert.ok(failing(predictChecks, r).length === 2);
});
