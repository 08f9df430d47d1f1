// The same behaviour from both backends: services must not know which one they got.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createMlflow,
  isMlflowError,
  loadMlflowConfig,
  type MlflowBackend,
  type Page,
} from '../src/index.ts';
import { type MlflowTestServer, startMlflowTestServer } from './helpers/index.ts';

async function all<T>(fetch: (token?: string) => Promise<Page<T>>): Promise<{ items: T[]; pages: number[] }> {
  const items: T[] = [];
  const pages: number[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    items.push(...page.items);
    pages.push(page.items.length);
    token = page.nextPageToken;
  } while (token);
  return { items, pages };
}

for (const kind of ['rest', 'local'] as const) {
  describe(`${kind} backend`, () => {
    let server: MlflowTestServer | undefined;
    let dir: string;
    let mlflow: MlflowBackend;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mlflow-backends-'));
      if (kind === 'rest') server = await startMlflowTestServer();
      mlflow = createMlflow(
        loadMlflowConfig({ MLFLOW_TRACKING_URI: server ? server.url : `file:${dir}/mlruns` }),
      );
    });
    after(async () => {
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('pages registered models, model versions and runs', async () => {
      for (const n of ['m1', 'm2', 'm3', 'm4', 'm5']) await mlflow.createRegisteredModel(`paged-${n}`);
      const models = await all((pageToken) =>
        // The first test of the suite: these five are the only registered models.
        mlflow.searchRegisteredModels({ maxResults: 2, pageToken }),
      );
      assert.deepEqual(models.pages, [2, 2, 1]);
      assert.deepEqual(
        models.items.map((m) => m.name),
        ['paged-m1', 'paged-m2', 'paged-m3', 'paged-m4', 'paged-m5'],
      );
      for (let i = 0; i < 3; i++) await mlflow.createModelVersion('paged-m1', `s3://bucket/v${i}`);
      const versions = await all((pageToken) =>
        mlflow.searchModelVersions({ filter: "name='paged-m1'", maxResults: 2, pageToken }),
      );
      assert.deepEqual(versions.pages, [2, 1]);
      assert.deepEqual(
        versions.items.map((v) => v.version),
        ['3', '2', '1'],
        'newest version first',
      );
      const exp = await mlflow.getOrCreateExperiment('paging');
      for (let i = 0; i < 5; i++) {
        const run = await mlflow.createRun({ experimentId: exp, startTime: 1000 + i });
        await mlflow.logBatch(run.info.runId, { metrics: { acc: i / 10 }, params: { i } });
        if (i === 0) await mlflow.setTerminated(run.info.runId);
      }
      const runs = await all((pageToken) =>
        mlflow.searchRuns({
          experimentIds: [exp],
          filter: "attributes.status = 'RUNNING'",
          maxResults: 3,
          pageToken,
        }),
      );
      assert.deepEqual(runs.pages, [3, 1]);
      assert.deepEqual(
        runs.items.map((r) => r.data.params.i),
        ['4', '3', '2', '1'],
      );
      await assert.rejects(mlflow.searchRegisteredModels({ pageToken: 'not-a-token' }), (err) =>
        isMlflowError(err, 'INVALID_PARAMETER_VALUE'),
      );
    });

    it('chunks a large batch within the server limits and keeps metric history', async () => {
      const run = await mlflow.createRun({ experimentId: await mlflow.getOrCreateExperiment('batch') });
      const metrics = Array.from({ length: 250 }, (_, step) => ({
        key: 'loss',
        value: 1 / (step + 1),
        step,
        timestamp: 1_000 + step,
      }));
      const params = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`p${i}`, i]));
      await mlflow.logBatch(run.info.runId, { metrics, params, tags: { note: 'x'.repeat(6000) } });
      const stored = await mlflow.getRun(run.info.runId);
      assert.equal(Object.keys(stored.data.params).length, 130);
      assert.equal(stored.data.metrics.loss, 1 / 250, 'latest = highest step');
      assert.equal(stored.data.tags.note?.length, 5000, 'long tag values are truncated client-side');
      // The stored history: the test server's rows, or the local store's metric file (one line a value).
      const historyLength = async () =>
        server
          ? server.state.runs.get(run.info.runId)!.metrics.get('loss')!.length
          : (
              await readFile(
                path.join(dir, 'mlruns', run.info.experimentId, run.info.runId, 'metrics', 'loss'),
                'utf8',
              )
            )
              .trim()
              .split('\n').length;
      assert.equal(await historyLength(), 250);
      await mlflow.logBatch(run.info.runId, { metrics: metrics.slice(0, 150) }); // a retry after a lost answer is harmless
      assert.equal(await historyLength(), 250);
      await assert.rejects(mlflow.logBatch(run.info.runId, { params: { p1: 'changed' } }), (err) =>
        isMlflowError(err, 'INVALID_PARAMETER_VALUE'),
      );
      if (server) {
        const batches = server.requests.filter(
          (r) => r.path.endsWith('runs/log-batch') && r.body?.run_id === run.info.runId,
        );
        for (const b of batches) {
          assert.ok(((b.body?.metrics as unknown[] | undefined)?.length ?? 0) <= 100);
          assert.ok(((b.body?.params as unknown[] | undefined)?.length ?? 0) <= 100);
        }
      }
    });

    it('restores a deleted experiment instead of failing on its taken name', {
      skip: kind === 'local',
    }, async () => {
      const id = await mlflow.getOrCreateExperiment('recycled');
      server!.state.experiments.get(id)!.lifecycle_stage = 'deleted';
      assert.equal(await mlflow.getOrCreateExperiment('recycled'), id);
      assert.equal((await mlflow.getExperimentByName('recycled'))?.lifecycleStage, 'active');
      await mlflow.createRun({ experimentId: id });
    });

    it('nests runs, sets tags, aliases and stages like MLflow', async () => {
      const exp = await mlflow.getOrCreateExperiment('nesting');
      const parent = await mlflow.createRun({ experimentId: exp, runName: 'sweep' });
      const child = await mlflow.createRun({
        experimentId: exp,
        runName: 'trial-1',
        parentRunId: parent.info.runId,
      });
      assert.equal(child.data.tags['mlflow.parentRunId'], parent.info.runId);
      const children = await mlflow.searchRuns({
        experimentIds: [exp],
        filter: `tags.mlflow.parentRunId = '${parent.info.runId}'`,
      });
      assert.deepEqual(
        children.items.map((r) => r.info.runName),
        ['trial-1'],
      );
      await mlflow.setTerminated(child.info.runId, 'FAILED');
      assert.equal((await mlflow.getRun(child.info.runId)).info.status, 'FAILED');

      await mlflow.createRegisteredModel('staged', { description: 'cover type', tags: { owner: 'ml' } });
      const v1 = await mlflow.createModelVersion('staged', 's3://b/1', parent.info.runId, {
        tags: { git: 'abc' },
      });
      const v2 = await mlflow.createModelVersion('staged', 's3://b/2');
      assert.equal(v1.runId, parent.info.runId);
      assert.equal(v2.runId, undefined, 'MLflow sends "" for no run; the client reports it as absent');
      await mlflow.setModelVersionTag('staged', v1.version, 'validated', 'true');
      await mlflow.setRegisteredModelAlias('staged', 'champion', v1.version);
      await mlflow.setRegisteredModelAlias('staged', 'challenger', v2.version);
      await mlflow.setRegisteredModelAlias('staged', 'champion', v2.version); // moves
      const model = await mlflow.getRegisteredModel('staged');
      assert.deepEqual(model.aliases, { champion: '2', challenger: '2' });
      assert.equal(model.tags.owner, 'ml');
      assert.equal(model.description, 'cover type');
      assert.deepEqual((await mlflow.getModelVersion('staged', 1)).tags, { git: 'abc', validated: 'true' });
      assert.deepEqual((await mlflow.getModelVersionByAlias('staged', 'champion')).aliases.sort(), [
        'challenger',
        'champion',
      ]);
      await mlflow.transitionModelVersionStage('staged', 1, 'Production');
      await mlflow.transitionModelVersionStage('staged', 2, 'Production', true);
      assert.equal((await mlflow.getModelVersion('staged', 1)).currentStage, 'Archived');
      assert.deepEqual(
        (await mlflow.getLatestVersions('staged', ['Production'])).map((v) => v.version),
        ['2'],
      );
      // archive_existing_versions only makes sense for Staging/Production; MLflow answers 500 otherwise.
      assert.equal(
        (await mlflow.transitionModelVersionStage('staged', 2, 'Archived', true)).currentStage,
        'Archived',
      );
      assert.equal(await mlflow.getModelVersionDownloadUri('staged', 2), 's3://b/2');
      await assert.rejects(mlflow.getRegisteredModel('unregistered'), (err) =>
        isMlflowError(err, 'RESOURCE_DOES_NOT_EXIST'),
      );
    });
  });
}

describe('model version registration', () => {
  it('waits for PENDING_REGISTRATION to become READY', async () => {
    const server = await startMlflowTestServer();
    try {
      server.state.pendingPolls = 2;
      const mlflow = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: server.url }));
      await mlflow.createRegisteredModel('slow');
      const version = await mlflow.createModelVersion('slow', 's3://b/m');
      assert.equal(version.status, 'READY');
      assert.ok(server.requests.filter((r) => r.path.endsWith('model-versions/get')).length >= 2);
    } finally {
      await server.close();
    }
  });
});
