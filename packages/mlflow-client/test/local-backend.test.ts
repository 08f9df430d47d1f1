import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import {
  ArtifactError,
  createMlflow,
  downloadModel,
  isMlflowError,
  loadMlflowConfig,
  type MlflowBackend,
  resolveModelUri,
} from '../src/index.ts';
import { fakeOnnxModel } from './helpers/model.ts';

describe('local-directory backend (file:./mlruns)', () => {
  let dir: string;
  let mlflow: MlflowBackend;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mlflow-local-'));
    mlflow = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: `file:${dir}/mlruns` }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('round trips register → alias → resolve → download, in MLflow FileStore layout', async () => {
    const expId = await mlflow.getOrCreateExperiment('covertype');
    assert.equal(await mlflow.getOrCreateExperiment('covertype'), expId, 'get-or-create is idempotent');
    const run = await mlflow.createRun({ experimentId: expId, runName: 'train', tags: { team: 'ml' } });
    await mlflow.logBatch(run.info.runId, { metrics: { accuracy: 0.91 }, params: { depth: 8, trees: 50 } });
    const logged = await mlflow.logOnnxModel(run.info.runId, 'model', fakeOnnxModel());
    await mlflow.setTerminated(run.info.runId, 'FINISHED');
    await mlflow.createRegisteredModel('covertype');
    await mlflow.createRegisteredModel('covertype'); // idempotent
    const version = await mlflow.createModelVersion('covertype', logged.runsUri, run.info.runId);
    assert.equal(version.version, '1');
    assert.equal(version.status, 'READY');
    assert.equal(version.source, logged.artifactUri, 'runs:/ sources are stored as the concrete URI');
    await mlflow.setRegisteredModelAlias('covertype', 'champion', version.version);

    const resolved = await resolveModelUri(mlflow, 'models:/covertype@champion');
    assert.equal(resolved.version, '1');
    assert.equal(resolved.alias, 'champion');
    const model = await downloadModel(mlflow, resolved, path.join(dir, 'cache'));
    assert.deepEqual(await readFile(model.onnxPath), Buffer.from(fakeOnnxModel().onnx));
    assert.equal(model.mlmodel.flavors.python_function?.loader_module, 'mlflow.onnx');

    const stored = await mlflow.getRun(run.info.runId);
    assert.equal(stored.info.status, 'FINISHED');
    assert.equal(stored.data.params.depth, '8');
    assert.equal(stored.data.metrics.accuracy, 0.91);
    assert.equal(stored.data.tags['mlflow.runName'], 'train');
    // FileStore layout that `mlflow ui --backend-store-uri` reads.
    const meta = YAML.parse(
      await readFile(path.join(dir, 'mlruns', expId, run.info.runId, 'meta.yaml'), 'utf8'),
    );
    assert.equal(meta.status, 3, 'FINISHED is stored as RunStatus 3');
    assert.equal(meta.experiment_id, expId);
    assert.equal(
      await readFile(path.join(dir, 'mlruns', expId, run.info.runId, 'params', 'depth'), 'utf8'),
      '8',
    );
    assert.equal(
      (await readFile(path.join(dir, 'mlruns', 'models', 'covertype', 'aliases', 'champion'), 'utf8')).trim(),
      '1',
    );
  });

  it('answers with MLflow error codes', async () => {
    await assert.rejects(
      mlflow.getRun('nope'),
      (err) => isMlflowError(err, 'RESOURCE_DOES_NOT_EXIST') && err.status === 404,
    );
    await assert.rejects(
      mlflow.getModelVersionByAlias('covertype', 'missing'),
      (err) => isMlflowError(err, 'INVALID_PARAMETER_VALUE') && err.status === 400,
    );
    await assert.rejects(mlflow.setRegisteredModelAlias('covertype', 'latest', '1'), (err) =>
      isMlflowError(err, 'INVALID_PARAMETER_VALUE'),
    );
  });

  it('raises ArtifactError for a model whose MLmodel is corrupted', async () => {
    const expId = await mlflow.getOrCreateExperiment('covertype');
    const run = await mlflow.createRun({ experimentId: expId });
    const bad = path.join(dir, 'bad');
    await rm(bad, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(bad, { recursive: true }));
    await writeFile(path.join(bad, 'MLmodel'), 'flavors: [: not yaml');
    await mlflow.logArtifacts(run.info.runId, bad, 'model');
    const resolved = await resolveModelUri(mlflow, `runs:/${run.info.runId}/model`);
    await assert.rejects(downloadModel(mlflow, resolved, path.join(dir, 'cache')), ArtifactError);
  });
});
