import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMlflow, loadMlflowConfig, type MlflowBackend } from '@covertype/mlflow';
import { fakeOnnxModel } from '@covertype/mlflow/testing';
import pino from 'pino';
import { TAGS } from '../../src/tasks/register.ts';
import { INTERRUPTED_DECISION, SETTLED_BY_TAG, settleInterrupted } from '../../src/tasks/settle.ts';
import { tempDir } from '../helpers.ts';

const MODEL = 'settle-test';

describe('settling what an interrupted pipeline run left', () => {
  let mlflow: MlflowBackend;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let experimentId: string;
  before(async () => {
    tmp = await tempDir();
    mlflow = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: `file:${path.join(tmp.dir, 'mlruns')}` }));
    experimentId = await mlflow.getOrCreateExperiment('settle');
  });
  after(() => tmp.remove());

  const run = async (pipelineRun: string | undefined) =>
    (
      await mlflow.createRun({
        experimentId,
        ...(pipelineRun ? { tags: { [TAGS.pipelineRun]: pipelineRun } } : {}),
      })
    ).info.runId;

  it('fails the stale runs and closes the pending gate of other pipeline runs only', async () => {
    const staleParent = await run('old');
    const staleChild = await run('old');
    const current = await run('new');
    const foreign = await run(undefined);
    const logged = await mlflow.logOnnxModel(staleParent, 'model', fakeOnnxModel());
    await mlflow.createRegisteredModel(MODEL);
    const pending = await mlflow.createModelVersion(MODEL, logged.artifactUri, staleParent, {
      tags: { [TAGS.decision]: 'pending', [TAGS.pipelineRun]: 'old' },
    });
    const own = await mlflow.createModelVersion(MODEL, logged.artifactUri, staleParent, {
      tags: { [TAGS.decision]: 'pending', [TAGS.pipelineRun]: 'new' },
    });

    const lines: { msg: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const result = await settleInterrupted({
      mlflow,
      experimentName: 'settle',
      modelName: MODEL,
      pipelineRunId: 'new',
      log,
      now: () => 1_700_000_000_000,
    });

    assert.deepEqual(result.runs.sort(), [staleParent, staleChild].sort());
    assert.deepEqual(result.versions, [pending.version]);
    for (const id of [staleParent, staleChild]) {
      const r = await mlflow.getRun(id);
      assert.equal(r.info.status, 'FAILED');
      assert.equal(r.info.endTime, 1_700_000_000_000);
      assert.equal(r.data.tags[SETTLED_BY_TAG], 'new');
    }
    assert.equal((await mlflow.getRun(current)).info.status, 'RUNNING', "this run's own runs go on");
    assert.equal(
      (await mlflow.getRun(foreign)).info.status,
      'RUNNING',
      'runs of no pipeline run are not ours',
    );
    const closed = await mlflow.getModelVersion(MODEL, pending.version);
    assert.equal(closed.tags[TAGS.decision], INTERRUPTED_DECISION);
    assert.match(closed.tags[TAGS.reason]!, /pipeline run old ended before its gate decided/);
    assert.equal((await mlflow.getModelVersion(MODEL, own.version)).tags[TAGS.decision], 'pending');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!.msg, /settled what an interrupted pipeline run left/);

    // Settling again finds nothing and says nothing.
    const again = await settleInterrupted({
      mlflow,
      experimentName: 'settle',
      modelName: MODEL,
      pipelineRunId: 'new',
      log,
    });
    assert.deepEqual(again, { runs: [], versions: [] });
    assert.equal(lines.length, 1);
  });

  it('is a no-op before the experiment or the model exist', async () => {
    const log = pino({ level: 'silent' });
    assert.deepEqual(
      await settleInterrupted({ mlflow, experimentName: 'none', modelName: 'none', pipelineRunId: 'x', log }),
      { runs: [], versions: [] },
    );
  });
});
