import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type K6SummaryData, readSummary, textSummary } from '../lib/summary.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as K6SummaryData;

test('figures are read from a passing k6 summary', () => {
  const f = readSummary(fixture('r1-rate400.json'));
  assert.equal(f.durationS, 20);
  assert.equal(f.requests, 8001);
  assert.equal(f.p50Ms, 1.64);
  assert.equal(f.p95Ms, 5.8);
  assert.equal(f.p99Ms, 12.4);
  assert.equal(f.errorRate, 0);
  assert.deepEqual(f.failedThresholds, []);
});

test('a run past the knee reports its failed thresholds and dropped iterations', () => {
  const f = readSummary(fixture('r1-rate600.json'));
  assert.equal(f.droppedIterations, 1128);
  assert.ok(f.failedThresholds.includes('http_req_duration{expected_response:true}: p(95)<100'));
  assert.ok(f.failedThresholds.some((t) => t.startsWith('dropped_iterations')));
});

test('the text summary shows the numbers, checks and thresholds a person looks for', () => {
  const text = textSummary(fixture('r1-rate600.json'), 'predict (load)');
  assert.match(text, /^predict \(load\)/);
  assert.match(text, /p95 231\.70/);
  assert.match(text, /✓ http_req_failed rate<0\.01/);
  assert.match(text, /✗ http_req_duration\{expected_response:true\} p\(95\)<100/);
  assert.match(text, /✗ predict: status 200: \d+ passed, 46 failed/);
  assert.match(text, /covertype_rows_predicted count=/);
});

test('something that is not a k6 summary is refused clearly', () => {
  assert.throws(() => readSummary({} as K6SummaryData), /not a k6 summary/);
  assert.throws(() => readSummary({ metrics: {} }), /no http_reqs/);
});
