import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SERVING_COST_TAGS, servingCostFromTags } from '../src/index.ts';

describe('serving cost tags', () => {
  const tags = {
    [SERVING_COST_TAGS.usPerRowSingle]: '41.5',
    [SERVING_COST_TAGS.usPerRowBatch]: '3.25',
    [SERVING_COST_TAGS.onnxBytes]: '120000',
    [SERVING_COST_TAGS.trees]: '70',
    'promotion.decision': 'promoted',
  };

  it('reads the four figures the gate writes', () => {
    assert.deepEqual(servingCostFromTags(tags), {
      usPerRowSingle: 41.5,
      usPerRowBatch: 3.25,
      onnxBytes: 120000,
      trees: 70,
    });
  });

  it('gives no cost when a figure is missing or not a number ≥ 0', () => {
    assert.equal(servingCostFromTags({}), undefined);
    for (const bad of ['', 'fast', '-1', 'NaN', 'Infinity']) {
      assert.equal(servingCostFromTags({ ...tags, [SERVING_COST_TAGS.usPerRowSingle]: bad }), undefined, bad);
    }
    const { [SERVING_COST_TAGS.trees]: _, ...withoutTrees } = tags;
    assert.equal(servingCostFromTags(withoutTrees), undefined);
  });
});
