import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchChecks, isPrediction, predictChecks } from '../lib/checks.ts';

const prediction = {
  model: 'covertype',
  version: '3',
  Cover_Type: 2,
  class_name: 'Lodgepole Pine',
  probabilities: [0.1, 0.6, 0.1, 0.05, 0.05, 0.05, 0.05],
};
const all = (checks: Record<string, (r: { status: number; body: unknown }) => boolean>, r: object) =>
  Object.values(checks).every((c) => c(r as { status: number; body: unknown }));

test('a real /predict answer passes; wrong status, class or probabilities fail', () => {
  assert.equal(all(predictChecks, { status: 200, body: JSON.stringify(prediction) }), true);
  assert.equal(all(predictChecks, { status: 503, body: '{"error":"model not loaded"}' }), false);
  assert.equal(isPrediction({ ...prediction, Cover_Type: 8 }), false);
  assert.equal(isPrediction({ ...prediction, probabilities: [1, 1, 1, 1, 1, 1, 1] }), false);
  assert.equal(isPrediction({ ...prediction, probabilities: { a: 1 } }), false);
  assert.equal(all(predictChecks, { status: 200, body: 'not json' }), false);
});

test('a batch answer must hold one valid prediction per row sent', () => {
  const checks = batchChecks(2);
  assert.equal(
    all(checks, { status: 200, body: JSON.stringify({ predictions: [prediction, prediction] }) }),
    true,
  );
  assert.equal(all(checks, { status: 200, body: JSON.stringify([prediction, prediction]) }), true);
  assert.equal(all(checks, { status: 200, body: JSON.stringify({ predictions: [prediction] }) }), false);
});
