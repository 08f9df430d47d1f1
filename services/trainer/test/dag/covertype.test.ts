import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTrainingDag } from '../../src/dag/covertype.ts';
import { describePlan, planWaves } from '../../src/dag/define.ts';

describe('the covertype training DAG as the trainer runs it', () => {
  it('orders the tasks as the workshop pipeline and trains both families side by side', () => {
    const waves = planWaves(buildTrainingDag()).map((w) => w.map((t) => t.name));
    assert.deepEqual(waves, [
      ['storage', 'settle-interrupted'],
      ['ingest'],
      ['validate-and-split'],
      ['train-random-forest', 'train-gradient-boosting'],
      ['register-best'],
      ['promote-if-better'],
    ]);
  });

  it('takes retries and timeouts from the declaration', () => {
    const dag = buildTrainingDag({ retries: 5, ingestTimeoutMs: 60_000 });
    assert.match(describePlan(dag), /- ingest: after storage; retries 5, timeout 1m/);
    const register = dag.tasks.find((t) => t.name === 'register-best')!;
    assert.deepEqual(
      register.dependsOn.map((t) => t.name),
      ['train-random-forest', 'train-gradient-boosting', 'settle-interrupted'],
    );
  });
});
