import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { covertypeTrainingDag, DEFAULT_LIMITS, TASK_NAMES } from '../index.ts';

describe('covertype-training DAG declaration', () => {
  it('declares every task once, each after the tasks it depends on', () => {
    const dag = covertypeTrainingDag();
    assert.deepEqual(
      dag.tasks.map((t) => t.name),
      [...TASK_NAMES],
    );
    const seen = new Set<string>();
    for (const t of dag.tasks) {
      for (const dep of t.dependsOn) assert.ok(seen.has(dep), `${t.name} is declared before ${dep}`);
      seen.add(t.name);
    }
  });

  it('takes retries and timeouts from the limits it is given', () => {
    const dag = covertypeTrainingDag({ retries: 5, ingestTimeoutMs: 60_000 });
    const byName = new Map(dag.tasks.map((t) => [t.name, t]));
    assert.equal(byName.get('ingest')!.retries, 5);
    assert.equal(byName.get('ingest')!.timeoutMs, 60_000);
    assert.equal(byName.get('train-random-forest')!.timeoutMs, DEFAULT_LIMITS.trainTimeoutMs);
    assert.deepEqual(
      byName.get('register-best')!.dependsOn,
      ['train-random-forest', 'train-gradient-boosting', 'settle-interrupted'],
      'an interrupted run is settled before a new version is registered',
    );
  });
});
