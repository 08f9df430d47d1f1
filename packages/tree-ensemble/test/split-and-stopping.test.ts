import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toModelColumns } from '@covertype/schema';
import {
  encodeColumns,
  encodeLabels,
  encodeRows,
  fitGradientBoosting,
  stratifiedKFold,
  stratifiedSplit,
} from '../src/index.ts';
import { loadRows } from './helper.ts';

describe('stratified splits', () => {
  const y = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 3 : i % 2));

  it('a train/test split keeps each class in proportion and covers every row once', () => {
    const { train, test } = stratifiedSplit(y, 0.2, 42);
    assert.equal(train.length + test.length, 1000);
    assert.equal(new Set([...train, ...test]).size, 1000);
    const count = (idx: Uint32Array, c: number) => idx.filter((i) => y[i] === c).length;
    assert.equal(count(test, 3), 20); // 100 rows of class 3 → 20 in test
    assert.deepEqual(stratifiedSplit(y, 0.2, 42).test, test);
    assert.notDeepEqual(stratifiedSplit(y, 0.2, 43).test, test);
  });

  it('k folds are disjoint, cover every row, and are balanced per class', () => {
    const folds = stratifiedKFold(y, 5, 1);
    const seen = new Uint8Array(1000);
    for (const f of folds) {
      assert.equal(f.train.length + f.test.length, 1000);
      for (const i of f.test) seen[i]!++;
      assert.equal(f.test.filter((i) => y[i] === 3).length, 20);
    }
    assert.ok(seen.every((n) => n === 1));
    assert.throws(() => stratifiedKFold(y, 1, 1), /k = 1 folds is invalid/);
  });
});

describe('early stopping', () => {
  it('stops when the validation loss stops improving and keeps the best rounds', () => {
    // Real rows and an aggressive learner: the validation loss turns up after a few rounds.
    const rows = loadRows(2000);
    const x = encodeRows(rows);
    const y = encodeLabels(rows);
    const losses: number[] = [];
    const model = fitGradientBoosting(
      x,
      y,
      {
        rounds: 500,
        learningRate: 0.5,
        maxLeaves: 8,
        minSamplesLeaf: 2,
        earlyStopping: true,
        nIterNoChange: 3,
      },
      { onRound: (_, info) => losses.push(info.validationLoss!) },
    );
    assert.ok(losses.length < 500, `ran ${losses.length} rounds`);
    assert.ok(model.rounds! <= losses.length);
    assert.equal(model.trees.length, model.rounds! * 7);
    const best = Math.min(...losses);
    assert.equal(losses[model.rounds! - 1], best);
  });
});

describe('encodeColumns', () => {
  it('gives the same matrix as encodeRows (the inference-side layout)', () => {
    const rows = loadRows(50);
    assert.deepEqual(encodeColumns(toModelColumns(rows)), encodeRows(rows));
    assert.equal(encodeLabels(rows).length, 50);
  });
});
