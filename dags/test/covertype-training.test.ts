import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describePlan, planWaves } from '@covertype/pipeline';
import { covertypeTrainingDag, DEFAULT_LIMITS } from '../index.ts';

describe('covertype-training DAG', () => {
  it('orders the tasks as the workshop pipeline and trains both families side by side', () => {
    const waves = planWaves(covertypeTrainingDag()).map((w) => w.map((t) => t.name));
    assert.deepEqual(waves, [
      ['storage', 'settle-interrupted'],
      ['ingest'],
      ['validate-and-split'],
      ['train-random-forest', 'train-gradient-boosting'],
      ['register-best'],
      ['promote-if-better'],
    ]);
  });

  it('takes retries and timeouts from the limits it is given', () => {
    const dag = covertypeTrainingDag({ retries: 5, ingestTimeoutMs: 60_000 });
    const byName = new Map(dag.tasks.map((t) => [t.name, t]));
    assert.equal(byName.get('ingest')!.retries, 5);
    assert.equal(byName.get('ingest')!.timeoutMs, 60_000);
    assert.equal(byName.get('train-random-forest')!.timeoutMs, DEFAULT_LIMITS.trainTimeoutMs);
    assert.match(describePlan(dag), /- ingest: after storage; retries 5, timeout 1m/);
    assert.deepEqual(
      byName.get('register-best')!.dependsOn.map((t) => t.name),
      ['train-random-forest', 'train-gradient-boosting', 'settle-interrupted'],
      'an interrupted run is settled before a new version is registered',
    );
  });
});
