// What every journey shares: where the API is, the custom metrics every answer is recorded in, the
// readiness probe for setup(), and handleSummary.
import { check, fail, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { ResponseLike } from '../lib/checks.ts';
import { type K6SummaryData, textSummary } from '../lib/summary.ts';
import { rows } from './data.ts';

export const BASE_URL = (__ENV['BASE_URL'] || 'http://localhost:8989').replace(/\/$/, '');
const RESULTS_DIR = (__ENV['RESULTS_DIR'] || 'results').replace(/\/$/, '');
const READY_TIMEOUT_S = Number(__ENV['READY_TIMEOUT_S'] || 60);
export const JSON_HEADERS = { 'Content-Type': 'application/json' };

const rowsPredicted = new Counter('covertype_rows_predicted');
const badAnswers = new Rate('covertype_bad_answers');
const shed = new Counter('covertype_shed_503');
// Latency divided by the rows in the call: what a batch buys over single rows, per endpoint tag.
const msPerRow = new Trend('covertype_ms_per_row', true);

/** This iteration's number across the whole scenario: the row (or first row) it sends. */
export function iteration(): number {
  return exec.scenario.iterationInTest;
}

/**
 * Checks one answer and records it in the custom metrics; true when every check passed. `rowCount` is
 * the rows the call scored (0 for a call that scores none, such as GET /models).
 */
export function record(
  res: ResponseLike & { timings: { duration: number } },
  checks: Record<string, (r: ResponseLike) => boolean>,
  rowCount: number,
  endpoint: string,
): boolean {
  const ok = check(res, checks, { endpoint });
  badAnswers.add(!ok, { endpoint });
  if (res.status === 503) shed.add(1, { endpoint });
  if (rowCount > 0) msPerRow.add(res.timings.duration / rowCount, { endpoint });
  if (ok && rowCount > 0) rowsPredicted.add(rowCount, { endpoint });
  return ok;
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
export function writeSummary(journey: string, data: K6SummaryData): Record<string, string> {
  const profile = __ENV['PROFILE'] || 'smoke';
  const text = textSummary(data, `${journey} (${profile}) against ${BASE_URL}`);
  const base = `${RESULTS_DIR}/${journey}-${profile}`;
  return { [`${base}.json`]: JSON.stringify(data, null, 2), [`${base}.txt`]: text, stdout: text };
}
