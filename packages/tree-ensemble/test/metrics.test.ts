import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classificationMetrics } from '../src/index.ts';

describe('classificationMetrics', () => {
  // truth:     0 0 0 1 1 2
  // predicted: 0 0 1 1 2 2
  const truth = [0, 0, 0, 1, 1, 2];
  const predicted = [0, 0, 1, 1, 2, 2];
  const m = classificationMetrics(truth, predicted, [1, 2, 3]);

  it('computes accuracy and the confusion matrix (rows = truth)', () => {
    assert.equal(m.accuracy, 4 / 6);
    assert.deepEqual(m.confusion, [
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('computes per-class precision, recall, F1 and macro-F1 by hand', () => {
    // class 1: P = 2/2, R = 2/3; class 2: P = 1/2, R = 1/2; class 3: P = 1/2, R = 1/1
    const f1 = (p: number, r: number) => (2 * p * r) / (p + r);
    const expected = [
      { label: 1, precision: 1, recall: 2 / 3, f1: f1(1, 2 / 3), support: 3 },
      { label: 2, precision: 0.5, recall: 0.5, f1: 0.5, support: 2 },
      { label: 3, precision: 0.5, recall: 1, f1: f1(0.5, 1), support: 1 },
    ];
    assert.deepEqual(m.perClass, expected);
    assert.ok(Math.abs(m.macroF1 - (f1(1, 2 / 3) + 0.5 + f1(0.5, 1)) / 3) < 1e-12);
    assert.equal(m.logLoss, null);
  });

  it('computes log loss from the true class probability, clipping zeros', () => {
    const proba = [0.5, 0.25, 0.25, 0.1, 0.8, 0.1];
    const l = classificationMetrics([0, 1], [0, 1], [1, 2, 3], proba);
    assert.ok(Math.abs(l.logLoss! - (-Math.log(0.5) - Math.log(0.8)) / 2) < 1e-12);
    const zero = classificationMetrics([2], [0], [1, 2, 3], [1, 0, 0]);
    assert.ok(Math.abs(zero.logLoss! + Math.log(1e-15)) < 1e-9);
  });

  it('gives 0 precision to a class never predicted instead of NaN', () => {
    const z = classificationMetrics([0, 1], [0, 0], [1, 2]);
    assert.equal(z.perClass[1]!.precision, 0);
    assert.equal(z.perClass[1]!.f1, 0);
  });

  it('refuses mismatched inputs', () => {
    assert.throws(() => classificationMetrics([0], [0, 1], [1, 2]), /got 2 predictions for 1 true labels/);
    assert.throws(() => classificationMetrics([0], [5], [1, 2]), /class index 0 \/ 5 is outside 0..1/);
  });
});
