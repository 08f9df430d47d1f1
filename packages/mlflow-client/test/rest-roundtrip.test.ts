import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createMlflow,
  downloadModel,
  loadMlflowConfig,
  type MlflowBackend,
  resolveModelUri,
} from '../src/index.ts';
import {
  fakeOnnxModel,
  type MlflowTestServer,
  startMlflowTestServer,
  startS3Server,
  type TestS3Server,
} from './helpers/index.ts';

for (const root of ['mlflow-artifacts:', 's3']) {
  describe(`REST backend, artifact root ${root}`, () => {
    let server: MlflowTestServer;
    let s3: TestS3Server;
    let mlflow: MlflowBackend;
    let tmp: string;
    before(async () => {
      s3 = await startS3Server();
      server = await startMlflowTestServer({
        defaultArtifactRoot: root === 's3' ? `s3://${s3.bucket}/mlartifacts` : 'mlflow-artifacts:',
        s3Env: s3.env,
      });
      tmp = await mkdtemp(path.join(os.tmpdir(), 'mlflow-rest-'));
      mlflow = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: server.url, ...s3.env }));
    });
    after(async () => {
      await server.close();
      await s3.close();
      await rm(tmp, { recursive: true, force: true });
    });

    it('logs a run, registers the model, aliases it, resolves and downloads it', async () => {
      const expId = await mlflow.getOrCreateExperiment('covertype');
      assert.equal(await mlflow.getOrCreateExperiment('covertype'), expId);
      const run = await mlflow.createRun({ experimentId: expId, runName: 'train' });
      assert.equal(run.info.status, 'RUNNING');
      assert.ok(
        run.info.startTime && run.info.startTime > 0,
        'start_time is sent (the server would default to 0)',
      );
      await mlflow.logBatch(run.info.runId, {
        metrics: { accuracy: 0.93, loss: Number.NaN },
        params: { depth: 8 },
      });
      const logged = await mlflow.logOnnxModel(run.info.runId, 'model', fakeOnnxModel());
      assert.equal(logged.mlmodel.mlflow_version, '2.17.2', "the server's GET /version, not a constant");
      assert.match(
        logged.artifactUri,
        root === 's3'
          ? /^s3:\/\/mlflow\/mlartifacts\/1\/\w+\/artifacts\/model$/
          : /^mlflow-artifacts:\/1\/\w+\/artifacts\/model$/,
      );
      await mlflow.setTerminated(run.info.runId);

      await mlflow.createRegisteredModel('covertype');
      await mlflow.createRegisteredModel('covertype');
      const v1 = await mlflow.createModelVersion('covertype', logged.runsUri, run.info.runId);
      assert.equal(
        v1.source,
        logged.artifactUri,
        'runs:/ is resolved before registering, as the Python client does',
      );
      await mlflow.setRegisteredModelAlias('covertype', 'champion', v1.version);
      const resolved = await resolveModelUri(mlflow, 'models:/covertype@champion');
      assert.deepEqual(
        [resolved.name, resolved.version, resolved.alias, resolved.runId],
        ['covertype', '1', 'champion', run.info.runId],
      );

      const cache = path.join(tmp, 'cache');
      const first = await downloadModel(mlflow, resolved, cache);
      assert.equal(first.fromCache, false);
      assert.deepEqual(await readFile(first.onnxPath), Buffer.from(fakeOnnxModel().onnx));
      const before = server.requests.length;
      const again = await downloadModel(mlflow, resolved, cache);
      assert.equal(again.fromCache, true);
      assert.equal(server.requests.length, before, 'a cached registry version needs no request');

      const together = await Promise.all(
        [1, 2, 3].map(() => downloadModel(mlflow, resolved, path.join(tmp, 'concurrent'))),
      );
      for (const m of together)
        assert.deepEqual(await readFile(m.onnxPath), Buffer.from(fakeOnnxModel().onnx));

      const stored = await mlflow.getRun(run.info.runId);
      assert.equal(stored.info.status, 'FINISHED');
      assert.ok(Number.isNaN(stored.data.metrics.loss), 'NaN survives the round trip');
      assert.equal(stored.data.params.depth, '8');
      assert.match(stored.data.tags['mlflow.log-model.history'] ?? '', /"artifact_path":"model"/);
      // The server sees the same files (what the MLflow UI lists).
      const listed = (await (
        await fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${run.info.runId}&path=model`)
      ).json()) as { files: { path: string }[] };
      assert.ok(listed.files.some((f) => f.path === 'model/model.onnx'));
      const files = (await mlflow.listArtifacts(run.info.runId, 'model')).map((f) => f.path);
      assert.ok(files.includes('model/MLmodel') && files.includes('model/model.onnx'), files.join(','));
    });

    it('resolves versions, stages and latest', async () => {
      const run = await mlflow.createRun({ experimentId: await mlflow.getOrCreateExperiment('covertype') });
      const logged = await mlflow.logOnnxModel(run.info.runId, 'model', fakeOnnxModel(Buffer.from('v2')));
      const v2 = await mlflow.createModelVersion('covertype', logged.artifactUri, run.info.runId);
      await mlflow.transitionModelVersionStage('covertype', '1', 'Production');
      await mlflow.transitionModelVersionStage('covertype', v2.version, 'Staging');
      assert.equal((await resolveModelUri(mlflow, 'models:/covertype/Production')).version, '1');
      assert.equal((await resolveModelUri(mlflow, 'models:/covertype/staging')).version, '2');
      assert.equal((await resolveModelUri(mlflow, 'models:/covertype/latest')).version, '2');
      assert.equal((await resolveModelUri(mlflow, 'models:/covertype/2')).artifactUri, logged.artifactUri);
      await mlflow.transitionModelVersionStage('covertype', v2.version, 'Production', true);
      assert.equal((await mlflow.getModelVersion('covertype', 1)).currentStage, 'Archived');
      const model = await downloadModel(
        mlflow,
        await resolveModelUri(mlflow, `runs:/${run.info.runId}/model`),
        path.join(tmp, 'c2'),
      );
      assert.equal((await readFile(model.onnxPath)).toString(), 'v2');
    });
  });
}
