// What every scenario shares: the request functions with their checks and custom metrics, the
// readiness probe for setup(), and handleSummary.
import { check, fail, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';
import { batchChecks, predictChecks } from '../lib/checks.ts';
import { buildBatch, isBatchIteration, pickRow } from '../lib/payloads.ts';
import { type K6SummaryData, textSummary } from '../lib/summary.ts';
import { rows } from './data.ts';

export const BASE_URL = (__ENV['BASE_URL'] || 'http://localhost:8989').replace(/\/$/, '');
const BATCH_SIZE = Number(__ENV['BATCH_SIZE'] || 32);
const RESULTS_DIR = (__ENV['RESULTS_DIR'] || 'results').replace(/\/$/, '');
const READY_TIMEOUT_S = Number(__ENV['READY_TIMEOUT_S'] || 60);
const JSON_HEADERS = { 'Content-Type': 'application/json' };

const predictMs = new Trend('covertype_predict_ms', true);
const batchMs = new Trend('covertype_batch_ms', true);
const rowsPredicted = new Counter('covertype_rows_predicted');
const badAnswers = new Rate('covertype_bad_answers');
const shed = new Counter('covertype_shed_503');

/** One single-row POST /predict with the row for this iteration. */
export function predictOne(iteration: number): void {
  const res = http.post(`${BASE_URL}/predict`, JSON.stringify(pickRow(rows, iteration)), {
    headers: JSON_HEADERS,
    tags: { name: 'POST /predict', endpoint: 'predict' },
  });
  const ok = check(res, predictChecks);
  badAnswers.add(!ok);
  if (res.status === 503) shed.add(1);
  predictMs.add(res.timings.duration);
  if (ok) rowsPredicted.add(1);
}

/** One POST /predict/batch with BATCH_SIZE consecutive rows. */
export function predictBatch(iteration: number): void {
  const res = http.post(
    `${BASE_URL}/predict/batch`,
    JSON.stringify(buildBatch(rows, iteration, BATCH_SIZE)),
    {
      headers: JSON_HEADERS,
      tags: { name: 'POST /predict/batch', endpoint: 'batch' },
    },
  );
  const ok = check(res, batchChecks(BATCH_SIZE));
  badAnswers.add(!ok);
  if (res.status === 503) shed.add(1);
  batchMs.add(res.timings.duration);
  if (ok) rowsPredicted.add(BATCH_SIZE);
}

/** Single-row and batch calls mixed deterministically: BATCH_SHARE of the iterations are batches. */
export function mixed(batchShare: number): void {
  const i = exec.scenario.iterationInTest;
  if (isBatchIteration(i, batchShare)) predictBatch(i);
  else predictOne(i);
}

/** setup(): wait until GET /readyz answers 200 (the model is loaded), or stop the test with the reason. */
export function waitUntilReady(): { baseUrl: string; rows: number } {
  const deadline = Date.now() + READY_TIMEOUT_S * 1000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const res = http.get(`${BASE_URL}/readyz`, { tags: { name: 'GET /readyz' }, timeout: '5s' });
    if (res.status === 200) return { baseUrl: BASE_URL, rows: rows.length };
    last = res.error || `HTTP ${res.status}`;
    sleep(1);
  }
  fail(`${BASE_URL}/readyz not ready after ${READY_TIMEOUT_S}s (last: ${last}); is the inference API up?`);
}

/** handleSummary(): the raw summary as JSON and a text summary, in RESULTS_DIR and on stdout. */
export function writeSummary(name: string, data: K6SummaryData): Record<string, string> {
  const text = textSummary(data, `${name} (${__ENV['PROFILE'] || 'smoke'}) against ${BASE_URL}`);
  const base = `${RESULTS_DIR}/${name}-${__ENV['PROFILE'] || 'smoke'}`;
  return { [`${base}.json`]: JSON.stringify(data, null, 2), [`${base}.txt`]: text, stdout: text };
}
