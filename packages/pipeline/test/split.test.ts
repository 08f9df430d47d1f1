import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stratifiedSplit } from '../src/index.ts';

describe('stratifiedSplit', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => ({
    id: i,
    label: i % 10 < 7 ? 1 : i % 10 < 9 ? 2 : 3,
  }));

  it('keeps class proportions and puts every row in exactly one part', () => {
    const { train, test } = stratifiedSplit(rows, (r) => r.label, 0.2, 42);
    assert.equal(train.length + test.length, rows.length);
    assert.equal(new Set([...train, ...test].map((r) => r.id)).size, rows.length);
    const count = (part: typeof rows, label: number) => part.filter((r) => r.label === label).length;
    assert.deepEqual(
      [1, 2, 3].map((l) => count(test, l)),
      [140, 40, 20],
    );
  });

  it('gives the same split for the same seed and a different one for another seed', () => {
    const ids = (seed: number) => stratifiedSplit(rows, (r) => r.label, 0.2, seed).test.map((r) => r.id);
    assert.deepEqual(ids(7), ids(7));
    assert.notDeepEqual(ids(7), ids(8));
  });

  it('refuses a fraction outside (0, 1)', () => {
    assert.throws(() => stratifiedSplit(rows, (r) => r.label, 1, 1), /between 0 and 1/);
  });
});
