import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  batchChecks,
  invocationsChecks,
  isPrediction,
  pinnedPredictChecks,
  predictChecks,
  servedModel,
  v2Checks,
} from '../lib/checks.ts';

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

const probs = prediction.probabilities;

test('an /invocations answer needs one label 1..7 and one distribution per row', () => {
  const checks = invocationsChecks(2);
  const body = (label: number[], probabilities: number[][]) =>
    JSON.stringify({ predictions: { label, probabilities } });
  assert.equal(all(checks, { status: 200, body: body([2, 5], [probs, probs]) }), true);
  assert.equal(all(checks, { status: 200, body: body([2], [probs]) }), false);
  assert.equal(all(checks, { status: 200, body: body([2, 9], [probs, probs]) }), false);
  assert.equal(all(checks, { status: 400, body: '{"error_code":"BAD_REQUEST"}' }), false);
});

test('a V2 answer needs label [N] and probabilities [N,7] outputs', () => {
  const answer = (label: number[], data: number[]) =>
    JSON.stringify({
      outputs: [
        { name: 'label', shape: [label.length], datatype: 'INT64', data: label },
        { name: 'probabilities', shape: [label.length, 7], datatype: 'FP32', data },
      ],
    });
  assert.equal(all(v2Checks(2), { status: 200, body: answer([2, 3], [...probs, ...probs]) }), true);
  assert.equal(
    all(v2Checks(2), { status: 200, body: answer([2, 3], [...probs, ...probs.slice(1), 0.5]) }),
    false,
  );
  assert.equal(all(v2Checks(2), { status: 200, body: answer([2], probs) }), false);
});

test('the served model comes from /models, and a pinned answer must come from that version', () => {
  const models = {
    loaded: [
      { name: 'old', version: '2', default: false, source: 'registry' },
      { name: 'covertype', version: '3', default: true, source: 'registry' },
    ],
  };
  const served = servedModel(models);
  assert.deepEqual(served, { name: 'covertype', version: '3', ref: 'covertype/3' });
  assert.equal(
    servedModel({ loaded: [{ name: 'gb', version: '17', default: true, source: 'folder' }] })?.ref,
    'gb',
  );
  assert.equal(servedModel({ loaded: [] }), undefined);
  const checks = pinnedPredictChecks(served!);
  assert.equal(all(checks, { status: 200, body: JSON.stringify(prediction) }), true);
  assert.equal(all(checks, { status: 200, body: JSON.stringify({ ...prediction, version: '4' }) }), false);
});
