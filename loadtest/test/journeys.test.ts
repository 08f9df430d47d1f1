// Every k6 journey run for real against a real inference API: the scenario file is loaded with the
// k6 stand-ins (test/k6-shim, whose http module really sends the requests), and its setup(), the
// iterations of each k6 scenario its options declare, and handleSummary run as k6 would run them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { dataFile } from '@covertype/testkit';
import type { K6SummaryData } from '../lib/summary.ts';
import { type InferenceApi, startInferenceApi } from './helper.ts';

register('./k6-shim/hooks.mjs', import.meta.url);

const g = globalThis as Record<string, unknown>;
const env: Record<string, string> = {
  PROFILE: 'smoke',
  MAX_ROWS: '200',
  BATCH_SIZE: '4',
  MODELS_EVERY: '3',
  READY_TIMEOUT_S: '10',
  DATA_FILE: dataFile('covertype_serving.csv'),
};
g['__ENV'] = env;
g['open'] = (file: string) => readFileSync(file, 'utf8');

let api: InferenceApi;
let results: string;
before(async () => {
  api = await startInferenceApi();
  results = await mkdtemp(path.join(tmpdir(), 'k6-journeys-'));
  env['BASE_URL'] = api.base;
  env['RESULTS_DIR'] = results;
});
after(async () => {
  await api?.stop();
  await rm(results, { recursive: true, force: true });
});

type Journey = Record<string, unknown> & {
  options: { scenarios: Record<string, { exec?: string; tags?: Record<string, string> }> };
  setup: () => unknown;
  handleSummary: (data: K6SummaryData) => Record<string, string>;
};
interface Sent {
  method: string;
  url: string;
}

const shim = async () => ({
  http: (await import('k6/http' as string)) as { sent: Sent[] },
  k6: (await import('k6' as string)) as {
    recorded: { checks: Array<{ name: string; passed: boolean }>; groups: string[] };
  },
  execution: (await import('k6/execution' as string)) as { scenario: { iterationInTest: number } },
  metrics: (await import('k6/metrics' as string)) as { samples: Record<string, number[]> },
});

/** Loads a scenario file afresh (a query string makes a new module instance) with extra settings. */
async function load(file: string, extra: Record<string, string> = {}): Promise<Journey> {
  const saved = { ...env };
  Object.assign(env, extra);
  try {
    return (await import(`../scenarios/${file}.ts?${new URLSearchParams(extra)}`)) as Journey;
  } finally {
    for (const key of Object.keys(extra)) {
      if (key in saved) env[key] = saved[key] as string;
      else delete env[key];
    }
  }
}

/** setup(), then `n` iterations of every k6 scenario in the options; returns the paths called. */
async function run(j: Journey, n: number) {
  const { http, k6, execution, metrics } = await shim();
  http.sent.length = 0;
  k6.recorded.checks.length = 0;
  const rowsBefore = (metrics.samples['covertype_rows_predicted'] ?? []).reduce((a, b) => a + b, 0);
  const data = j.setup();
  const scenarios = Object.values(j.options.scenarios);
  assert.ok(scenarios.length > 0);
  for (const s of scenarios) {
    const fn = j[s.exec ?? 'default'];
    assert.equal(
      typeof fn,
      'function',
      `options.scenarios names exec ${s.exec}, which the file does not export`,
    );
    for (let i = 0; i < n; i++) {
      execution.scenario.iterationInTest = i;
      (fn as (d: unknown) => void)(data);
    }
  }
  const failed = k6.recorded.checks.filter((c) => !c.passed).map((c) => c.name);
  assert.deepEqual(failed, [], 'checks failed against the real API');
  assert.ok(k6.recorded.checks.length > 0, 'no checks ran');
  const rows = (metrics.samples['covertype_rows_predicted'] ?? []).reduce((a, b) => a + b, 0) - rowsBefore;
  return {
    data,
    rows,
    calls: http.sent.map((r) => `${r.method} ${new URL(r.url).pathname}`),
    groups: k6.recorded.groups,
  };
}

const count = (calls: string[], call: string) => calls.filter((c) => c === call).length;

test('predict: one row per POST /predict, every answer checked', async () => {
  const { calls, rows } = await run(await load('predict'), 5);
  assert.deepEqual(calls, ['GET /readyz', ...Array(5).fill('POST /predict')]);
  assert.equal(rows, 5);
});

test('batch: BATCH_SIZE rows per POST /predict/batch', async () => {
  const { calls, rows } = await run(await load('batch'), 3);
  assert.equal(count(calls, 'POST /predict/batch'), 3);
  assert.equal(rows, 3 * 4);
});

test('mixed: the predict and batch journeys as two k6 scenarios splitting the rate', async () => {
  const mixed = await load('mixed', { PROFILE: 'load', RATE: '10', BATCH_SHARE: '0.2' });
  const s = mixed.options.scenarios as Record<string, { rate?: number; tags?: Record<string, string> }>;
  assert.deepEqual(Object.keys(s).sort(), ['load_batch', 'load_predict']);
  assert.equal(s['load_predict']?.rate, 8);
  assert.equal(s['load_batch']?.rate, 2);
  assert.equal(s['load_batch']?.tags?.['journey'], 'batch');
  const { calls, rows } = await run(mixed, 3);
  assert.equal(count(calls, 'POST /predict'), 3);
  assert.equal(count(calls, 'POST /predict/batch'), 3);
  assert.equal(rows, 3 + 3 * 4);
});

test('mlflow-client: /ping, then POST /invocations as dataframe_split or as CSV', async () => {
  for (const format of ['dataframe_split', 'csv']) {
    const { calls, rows, data } = await run(await load('mlflow-client', { FORMAT: format }), 3);
    assert.deepEqual(calls.slice(0, 2), ['GET /readyz', 'GET /ping']);
    assert.equal(count(calls, 'POST /invocations'), 3);
    assert.equal(rows, 3 * 4);
    assert.equal((data as { format: string }).format, format);
  }
});

test('registry-client: reads /models, pins the served model, reads it again every MODELS_EVERY', async () => {
  const { calls, rows, groups } = await run(await load('registry-client'), 7);
  const models = (await (await fetch(`${api.base}/models`)).json()) as { loaded: Array<{ name: string }> };
  const { http } = await shim();
  const pinned = http.sent.find((r) => r.url.includes('/predict?model='))?.url ?? '';
  assert.equal(new URL(pinned).searchParams.get('model'), models.loaded[0]?.name);
  assert.equal(count(calls, 'GET /models'), 3);
  assert.equal(count(calls, 'POST /predict'), 7);
  assert.equal(rows, 7);
  assert.ok(groups.includes('discover the served model'));
});

test('kserve-v2: finds the model, checks its V2 readiness, sends V2 tensors', async () => {
  const { calls, rows, data } = await run(await load('kserve-v2', { BATCH_SIZE: '2' }), 3);
  const name = (data as { model: string }).model;
  assert.deepEqual(calls.slice(0, 3), ['GET /readyz', 'GET /models', `GET /v2/models/${name}/ready`]);
  assert.equal(count(calls, `POST /v2/models/${name}/infer`), 3);
  assert.equal(rows, 3 * 2);
});

test('each journey names its summary after its file, which is where the sweep reads it', async () => {
  const summary = JSON.parse(
    readFileSync(new URL('./fixtures/r1-rate400.json', import.meta.url), 'utf8'),
  ) as K6SummaryData;
  for (const file of ['predict', 'batch', 'mixed', 'mlflow-client', 'registry-client', 'kserve-v2']) {
    const out = (await load(file)).handleSummary(summary);
    assert.ok(`${results}/${file}-smoke.json` in out, `${file}: ${Object.keys(out).join(', ')}`);
  }
});

test('a bad setting stops the script at load with the variable and the value', async () => {
  await assert.rejects(load('predict', { PROFILE: 'heavy' }), /PROFILE="heavy": expected one of smoke, load/);
  await assert.rejects(
    load('mlflow-client', { FORMAT: 'xml' }),
    /FORMAT="xml": expected one of dataframe_split, csv/,
  );
  await assert.rejects(load('mixed', { BATCH_SHARE: '2' }), /BATCH_SHARE="2": expected a number from 0 to 1/);
  await assert.rejects(load('batch', { BATCH_SIZE: 'many' }), /BATCH_SIZE="many": expected a number/);
});
