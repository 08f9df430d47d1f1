// The k6 scenario scripts driven by node:test with stand-ins for k6's modules (test/k6-shim): their
// init code (SharedArray from the CSV, options), setup(), iterations and handleSummary run for real.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { dataFile } from '@covertype/testkit';
import type { K6SummaryData } from '../lib/summary.ts';

register('./k6-shim/hooks.mjs', import.meta.url);

const results = await mkdtemp(path.join(tmpdir(), 'k6-scenarios-'));
after(() => rm(results, { recursive: true, force: true }));

const g = globalThis as Record<string, unknown>;
g['__ENV'] = {
  PROFILE: 'load',
  RATE: '10',
  DURATION: '5s',
  BASE_URL: 'http://inference-api:8989/',
  DATA_FILE: dataFile('covertype_serving.csv'),
  MAX_ROWS: '50',
  BATCH_SIZE: '4',
  RESULTS_DIR: results,
  READY_TIMEOUT_S: '1',
};
g['open'] = (file: string) => readFileSync(file, 'utf8');

interface Sent {
  method: string;
  url: string;
  body: string | null;
}
const sent: Sent[] = [];
let ready = true;
const prediction = {
  model: 'm',
  version: '1',
  Cover_Type: 2,
  class_name: 'Lodgepole Pine',
  probabilities: [0, 1, 0, 0, 0, 0, 0],
};
g['k6Responder'] = (req: Sent) => {
  sent.push(req);
  if (req.url.endsWith('/readyz')) return { status: ready ? 200 : 503, body: '' };
  if (req.url.endsWith('/predict/batch')) {
    const { rows } = JSON.parse(req.body ?? '{}') as { rows: unknown[] };
    return { status: 200, body: JSON.stringify({ predictions: rows.map(() => prediction) }) };
  }
  return { status: 200, body: JSON.stringify(prediction) };
};

type Scenario = {
  options: { scenarios: Record<string, { executor: string; rate?: number }>; dns: { select: string } };
  setup: () => { baseUrl: string; rows: number };
  default: () => void;
  single: () => void;
  bulk: () => void;
  handleSummary: (data: K6SummaryData) => Record<string, string>;
};
const load = async (name: string) => (await import(`../scenarios/${name}.ts`)) as Scenario;
const execution = (await import('k6/execution' as string)) as { scenario: { iterationInTest: number } };
const k6 = (await import('k6' as string)) as {
  recorded: { checks: Array<{ name: string; passed: boolean }> };
};
const metrics = (await import('k6/metrics' as string)) as { samples: Record<string, number[]> };

function iterate(s: Scenario, n: number, exec: 'default' | 'single' | 'bulk' = 'default'): void {
  for (let i = 0; i < n; i++) {
    execution.scenario.iterationInTest = i;
    s[exec]();
  }
}

test('mixed: 1 in 10 calls is a batch of real CSV rows, every check passes, rows are counted', async () => {
  const mixed = await load('mixed');
  assert.equal(mixed.options.scenarios['load_predict']?.executor, 'constant-arrival-rate');
  assert.equal(mixed.options.scenarios['load_predict']?.rate, 9);
  assert.equal(mixed.options.scenarios['load_batch']?.rate, 1);
  assert.equal(mixed.options.dns.select, 'roundRobin');
  assert.deepEqual(mixed.setup(), { baseUrl: 'http://inference-api:8989', rows: 50 });
  sent.length = 0;
  k6.recorded.checks.length = 0;
  // What k6 runs in one second of that profile: 9 single-row iterations and 1 batch, twice.
  iterate(mixed, 18, 'single');
  iterate(mixed, 2, 'bulk');
  assert.deepEqual(
    sent.map((r) => r.url.replace('http://inference-api:8989', '')).filter((u) => u === '/predict/batch')
      .length,
    2,
  );
  const single = JSON.parse(sent.find((r) => r.url.endsWith('/predict'))?.body ?? '{}');
  assert.equal(typeof single.Elevation, 'number');
  assert.equal(typeof single.Wilderness_Area, 'string');
  assert.ok(k6.recorded.checks.length > 0 && k6.recorded.checks.every((c) => c.passed));
  const rows = (metrics.samples['covertype_rows_predicted'] ?? []).reduce((a, b) => a + b, 0);
  assert.equal(rows, 18 + 2 * 4);
});

test('predict and batch: one journey each', async () => {
  const [predict, batch] = [await load('predict'), await load('batch')];
  sent.length = 0;
  iterate(predict, 5);
  iterate(batch, 3);
  assert.deepEqual(
    sent.map((r) => r.url.split('8989')[1]),
    [
      '/predict',
      '/predict',
      '/predict',
      '/predict',
      '/predict',
      '/predict/batch',
      '/predict/batch',
      '/predict/batch',
    ],
  );
});

test('a wrong answer fails the checks and is counted as a bad answer', async () => {
  const predict = await load('predict');
  const bad = metrics.samples['covertype_bad_answers'] ?? [];
  const before = bad.length;
  const responder = g['k6Responder'];
  g['k6Responder'] = () => ({ status: 503, body: '{"message":"model not loaded"}' });
  k6.recorded.checks.length = 0;
  iterate(predict, 1);
  g['k6Responder'] = responder;
  assert.deepEqual(bad.slice(before), [1]);
  assert.ok(k6.recorded.checks.every((c) => !c.passed));
  assert.equal((metrics.samples['covertype_shed_503'] ?? []).length, 1);
});

test('setup stops the test with the reason when the API never gets ready', async () => {
  const predict = await load('predict');
  ready = false;
  try {
    assert.throws(() => predict.setup(), /inference-api:8989\/readyz not ready after 1s \(last: HTTP 503\)/);
  } finally {
    ready = true;
  }
});

test('handleSummary writes the JSON and text summary to RESULTS_DIR and prints the text', async () => {
  const mixed = await load('mixed');
  const data = JSON.parse(
    readFileSync(new URL('./fixtures/r1-rate400.json', import.meta.url), 'utf8'),
  ) as K6SummaryData;
  const out = mixed.handleSummary(data);
  assert.deepEqual(
    Object.keys(out).sort(),
    [`${results}/mixed-load.json`, `${results}/mixed-load.txt`, 'stdout'].sort(),
  );
  assert.deepEqual(JSON.parse(out[`${results}/mixed-load.json`] ?? ''), data);
  assert.match(out['stdout'] ?? '', /^mixed \(load\) against http:\/\/inference-api:8989/);
});
