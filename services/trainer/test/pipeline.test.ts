import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMlflow, loadMlflowConfig, type MlflowBackend, readMlmodel } from '@covertype/mlflow';
import {
  type MlflowTestServer,
  startMlflowTestServer,
  startS3Server,
  type TestS3Server,
} from '@covertype/mlflow/testing';
import { freePort, startTs } from '@covertype/testkit';
import { SERVING_METRICS } from '../src/model/serving-cost.ts';
import { PARETO_METRIC, RANKING_TAGS } from '../src/tasks/rank.ts';
import { TAGS } from '../src/tasks/register.ts';
import {
  type DataApi,
  runTrainer,
  smallCsv,
  startDataApi,
  TRAINER,
  tempDir,
  testDatabase,
} from './helpers.ts';

const MODEL = 'covertype-e2e';

describe('trainer --once against MariaDB, the data API process, the MLflow test server and s3rver', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let csv: string;
  let dataApi: DataApi;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let s3: TestS3Server;
  let server: MlflowTestServer;
  let mlflow: MlflowBackend;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    tmp = await tempDir();
    csv = await smallCsv(tmp.dir);
    dataApi = await startDataApi(csv, tmp.dir);
    db = await testDatabase();
    s3 = await startS3Server();
    server = await startMlflowTestServer({ defaultArtifactRoot: `s3://${s3.bucket}/mlflow` });
    const mlflowEnv = {
      MLFLOW_TRACKING_URI: server.url,
      MLFLOW_S3_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
      MLFLOW_HTTP_REQUEST_BACKOFF_MS: '50',
    };
    mlflow = createMlflow(loadMlflowConfig(mlflowEnv));
    env = {
      ...mlflowEnv,
      DATA_API_URL: dataApi.url,
      DATA_GROUP: '1,2',
      DATABASE_URL: db.url,
      MODEL_NAME: MODEL,
    };
  });
  after(async () => {
    await dataApi?.stop();
    await server?.close();
    await s3?.close();
    await db?.drop();
    await tmp?.remove();
  });

  const versions = async () => (await mlflow.searchModelVersions({ filter: `name='${MODEL}'` })).items;
  const champion = async () => (await mlflow.getModelVersionByAlias(MODEL, 'champion')).version;
  const runs = async () => {
    const [rows] = await db.conn.query('SELECT run_id, status, error FROM pipeline_runs ORDER BY started_at');
    return rows as { run_id: string; status: string; error: string | null }[];
  };

  /** The serving cost the gate wrote on a version and its run: present and positive (values depend on the machine). */
  async function assertServingCost(version: string) {
    const { tags, runId } = await mlflow.getModelVersion(MODEL, version);
    for (const key of [TAGS.servingSingle, TAGS.servingBatch, TAGS.onnxBytes, TAGS.trees]) {
      assert.ok(Number(tags[key]) > 0, `version ${version} tag ${key} = ${tags[key]}`);
    }
    const metrics = (await mlflow.getRun(runId!)).data.metrics;
    for (const name of Object.values(SERVING_METRICS)) {
      assert.ok(metrics[name]! > 0, `run metric ${name} = ${metrics[name]}`);
    }
    assert.equal(metrics[SERVING_METRICS.usPerRowSingle], Number(tags[TAGS.servingSingle]));
    assert.equal(metrics[SERVING_METRICS.trees], metrics.trees, 'the graph holds the trees trained');
  }

  // Budgets far on either side of any machine's figure, so the decisions do not depend on its speed.
  it('runs the whole DAG: raw, rejects and split tables, MLflow runs, a registered champion', async () => {
    const { code, output } = await runTrainer({ ...env, SERVING_BUDGET_US: '1000000000' });
    assert.equal(code, 0, output);
    assert.match(output, /pipeline run \S+ succeeded/);
    assert.equal(await db.count('SELECT COUNT(*) FROM covertype_raw'), 600);
    const rejects = await db.count('SELECT COUNT(*) FROM covertype_rejects');
    assert.ok(rejects > 0, 'the anomalies in the CSV should be rejected');
    const [reject] = (await db.conn.query('SELECT field, reason FROM covertype_rejects LIMIT 1'))[0] as {
      field: string;
      reason: string;
    }[];
    assert.match(reject!.reason, /minimum|maximum|not/);
    const train = await db.count('SELECT COUNT(*) FROM covertype_train');
    const test = await db.count('SELECT COUNT(*) FROM covertype_test');
    assert.ok(train + test + rejects <= 600 && train + test + rejects > 580);
    assert.ok(Math.abs(test / (train + test) - 0.2) < 0.02);

    const [run] = await runs();
    assert.equal(run!.status, 'success');
    const [tasks] = await db.conn.query('SELECT task, status FROM pipeline_task_runs WHERE run_id = ?', [
      run!.run_id,
    ]);
    assert.equal((tasks as unknown[]).length, 8);
    assert.ok((tasks as { status: string }[]).every((t) => t.status === 'success'));

    const [v1] = await versions();
    assert.equal(v1!.version, '1');
    assert.equal(await champion(), '1');
    const version = await mlflow.getModelVersion(MODEL, '1');
    assert.equal(version.currentStage, 'Production');
    assert.equal(version.tags['promotion.decision'], 'first_champion');
    assert.equal(version.tags[TAGS.servingBudget], '1000000000');
    await assertServingCost('1');
    assert.match(version.source, /^s3:\/\//);
    const files = (await mlflow.listArtifacts(version.runId!, 'model')).map((f) => f.path);
    for (const f of ['model/MLmodel', 'model/model.onnx', 'model/input_example.json'])
      assert.ok(files.includes(f), f);
    // The environment files pin what the exported graph needs, and MLmodel names the server's version.
    const local = await mlflow.downloadArtifacts({ runId: version.runId!, path: 'model' }, tmp.dir);
    assert.equal(
      await readFile(path.join(local, 'requirements.txt'), 'utf8'),
      'mlflow>=2.16\nonnx>=1.12\nonnxruntime>=1.12\n',
    );
    assert.equal((await readMlmodel(local)).mlflow_version, '2.17.2');
    // input_example.json is the bare dict of tensors MLflow >= 2.16 reads back for predict.
    const example = JSON.parse(await readFile(path.join(local, 'input_example.json'), 'utf8'));
    assert.deepEqual(Object.keys(example), ['numeric', 'Wilderness_Area', 'Soil_Type']);
    assert.equal(example.numeric[0].length, 10);
    const parent = await mlflow.getRun(version.runId!);
    assert.ok(parent.data.metrics.test_accuracy! > 0.5);
    assert.ok((await mlflow.listArtifacts(version.runId!)).some((f) => f.path === 'confusion_matrix.json'));
    const children = await mlflow.searchRuns({
      experimentIds: [parent.info.experimentId],
      filter: `tags.mlflow.parentRunId = '${parent.info.runId}'`,
    });
    assert.equal(children.items.length, 2);
    assert.ok(children.items.every((c) => c.data.metrics.mean_test_accuracy !== undefined));
  });

  it('re-runs idempotently: no new raw rows, a new version that does not beat the champion stays off', async () => {
    const { code, output } = await runTrainer(env);
    assert.equal(code, 0, output);
    assert.equal(await db.count('SELECT COUNT(*) FROM covertype_raw'), 600);
    assert.equal((await versions()).length, 2);
    const v2 = await mlflow.getModelVersion(MODEL, '2');
    assert.equal(v2.tags['promotion.decision'], 'kept_champion');
    assert.equal(v2.tags['promotion.champion_version'], '1');
    assert.equal(v2.tags['promotion.candidate_test_accuracy'], v2.tags['promotion.champion_test_accuracy']);
    assert.equal(await champion(), '1');
    assert.equal(v2.tags[TAGS.servingBudget], 'none');
    await assertServingCost('2');
  });

  it('refuses a new version over the serving budget and keeps the champion', async () => {
    const { code, output } = await runTrainer({ ...env, SERVING_BUDGET_US: '0.001' });
    assert.equal(code, 0, output);
    const v3 = await mlflow.getModelVersion(MODEL, '3');
    assert.equal(v3.tags[TAGS.decision], 'rejected_over_budget');
    assert.equal(v3.tags[TAGS.servingBudget], '0.001');
    assert.match(v3.tags[TAGS.reason]!, /> serving budget 0\.001 µs; champion version 1 stays/);
    assert.equal(v3.currentStage, 'None');
    assert.equal(await champion(), '1');
    await assertServingCost('3');
  });

  it('with an accuracy tolerance registers the cheapest candidate within it and marks the Pareto front', async () => {
    const { code, output } = await runTrainer({ ...env, SEARCH_ACCURACY_TOLERANCE: '1' });
    assert.equal(code, 0, output);
    assert.match(output, /Pareto front \(CV accuracy vs onnxruntime µs\/row, single\):\n {2}\* /);
    const newest = (await versions()).reduce((a, b) => (Number(a.version) > Number(b.version) ? a : b));
    const chosen = await mlflow.getRun(newest.runId!);
    const pipelineRun = chosen.data.tags[TAGS.pipelineRun];
    const all = await mlflow.searchRuns({ experimentIds: [chosen.info.experimentId] });
    const candidates = all.items.filter(
      (r) => r.data.tags[TAGS.pipelineRun] === pipelineRun && !r.data.tags['mlflow.parentRunId'],
    );
    assert.equal(candidates.length, 2, 'one candidate per search of the quick preset');
    // The cost each candidate had when ranked (the gate measures the winner again into its metrics).
    const rankedCost = (run: { data: { tags: Record<string, string> } }) =>
      Number(run.data.tags[RANKING_TAGS.rankedUsPerRow]);
    const costs = candidates.map(rankedCost);
    assert.ok(
      costs.every((c) => c > 0),
      `every candidate's ranked cost is tagged: ${costs}`,
    );
    assert.equal(rankedCost(chosen), Math.min(...costs), 'a tolerance of 1 admits every candidate');
    for (const r of candidates) {
      assert.equal(r.data.tags[RANKING_TAGS.chosen], String(r.info.runId === chosen.info.runId));
      assert.equal(r.data.tags[RANKING_TAGS.accuracyTolerance], '1');
      assert.equal(r.data.metrics[PARETO_METRIC], r.data.tags[RANKING_TAGS.paretoFront] === 'true' ? 1 : 0);
    }
    assert.equal(
      chosen.data.tags[RANKING_TAGS.paretoFront],
      'true',
      'the cheapest candidate is on the front',
    );
  });

  it('refuses to start while another trainer holds the lock', async () => {
    const [got] = (
      await db.conn.query('SELECT GET_LOCK(?, 0) AS got', [`${db.name}.covertype-pipeline`])
    )[0] as {
      got: number;
    }[];
    assert.equal(got!.got, 1);
    try {
      const before = (await runs()).length;
      const { code, output } = await runTrainer(env);
      assert.equal(code, 1);
      assert.match(output, /trainer: another trainer is running the pipeline/);
      assert.equal(output.trim().split('\n').length, 1, output);
      assert.equal((await runs()).length, before);
    } finally {
      await db.conn.query('SELECT RELEASE_LOCK(?)', [`${db.name}.covertype-pipeline`]);
    }
  });

  it('retries while the data API is down and succeeds once it is up', async () => {
    const port = await freePort();
    const trainer = runTrainer({ ...env, DATA_API_URL: `http://127.0.0.1:${port}`, DATA_GROUP: '3' });
    await new Promise((r) => setTimeout(r, 1500));
    const late = await startDataApi(csv, tmp.dir, { port });
    try {
      const { code, output } = await trainer;
      assert.equal(code, 0, output);
      assert.equal(await db.count('SELECT COUNT(*) FROM covertype_raw WHERE group_number = 3'), 300);
    } finally {
      await late.stop();
    }
  });

  it('fails clearly when MLflow refuses registrations, leaving no version and the alias in place', async () => {
    const before = await versions();
    server.fail({ pathIncludes: 'model-versions/create', status: 503, times: 1000 });
    const { code, output } = await runTrainer({ ...env, TASK_RETRIES: '1' });
    // Drain the faults the run did not consume, so later tests see a healthy server.
    for (let i = 0; i < 1000; i++) {
      const res = await fetch(`${server.url}/api/2.0/mlflow/model-versions/create`, { method: 'POST' });
      if (res.status !== 503) break;
    }
    assert.equal(code, 1, output);
    assert.match(output, /task register-best failed after 2 attempts/);
    assert.equal((await versions()).length, before.length);
    assert.equal(await champion(), '1');
    const last = (await runs()).at(-1)!;
    assert.equal(last.status, 'failed');
    const [tasks] = await db.conn.query(
      "SELECT task, status FROM pipeline_task_runs WHERE run_id = ? AND task = 'promote-if-better'",
      [last.run_id],
    );
    assert.equal((tasks as { status: string }[])[0]?.status, 'upstream_failed');
  });

  it('fails with a one-line reason when MLflow is unreachable', async () => {
    const port = await freePort();
    const { code, output } = await runTrainer({
      ...env,
      MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}`,
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
      TASK_RETRIES: '0',
    });
    assert.equal(code, 1);
    // Log lines (stdout) and the reason (stderr) come through two pipes, so their order here is not
    // the order they were written in: find the reason line rather than take the last line.
    const reasons = output.split('\n').filter((l) => l.startsWith('trainer: '));
    assert.equal(reasons.length, 1, output);
    const reason = reasons[0]!;
    assert.match(
      reason,
      /^trainer: pipeline run \S+ failed: task \S+ failed after \d attempts?: .*ECONNREFUSED/,
    );
    assert.match(reason, /is the MLflow server at MLFLOW_TRACKING_URI running\?/);
  });

  it('after a trainer is killed mid-run, the next run marks it abandoned and finishes cleanly', async () => {
    const slow = await startDataApi(csv, tmp.dir, { minUpdateTime: 1 });
    const killed = startTs(
      TRAINER,
      { ...process.env, ...env, DATA_API_URL: slow.url, DATA_GROUP: '4', LOG_LEVEL: 'warn' },
      ['--once'],
    );
    try {
      const deadline = Date.now() + 30_000;
      while ((await db.count('SELECT COUNT(*) FROM covertype_raw WHERE group_number = 4')) === 0) {
        assert.ok(Date.now() < deadline, 'the trainer stored no batch in time');
        await new Promise((r) => setTimeout(r, 100));
      }
      killed.child.kill('SIGKILL');
      await new Promise((r) => killed.child.once('exit', r));
    } finally {
      await slow.stop();
    }
    const partial = await db.count('SELECT COUNT(*) FROM covertype_raw WHERE group_number = 4');
    assert.ok(partial > 0 && partial < 300, `expected part of group 4, got ${partial}`);

    const { code, output } = await runTrainer({ ...env, DATA_GROUP: '4' });
    assert.equal(code, 0, output);
    assert.equal(await db.count('SELECT COUNT(*) FROM covertype_raw WHERE group_number = 4'), 300);
    const all = await runs();
    assert.equal(all.at(-2)!.status, 'abandoned');
    assert.equal(all.at(-1)!.status, 'success');
    assert.equal(await db.count("SELECT COUNT(*) FROM pipeline_task_runs WHERE status = 'running'"), 0);
    const tables = await db.count(
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE '%\\_next'",
      [db.name],
    );
    assert.equal(tables, 0);
  });

  it('after the MLflow server dies mid-run and comes back, the next run ends what the first left half-done', async () => {
    const experimentId = (await mlflow.getExperimentByName('covertype'))!.experimentId;
    const runningRuns = async () =>
      (await mlflow.searchRuns({ experimentIds: [experimentId], filter: "attributes.status = 'RUNNING'" }))
        .items;
    const failEnv = { ...env, TASK_RETRIES: '0', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' };

    // 1. The server dies at the promotion gate's first write: the new version stays pending.
    server.fail({ pathIncludes: 'model-versions/set-tag', down: true });
    const gateCut = await runTrainer(failEnv);
    assert.ok(server.isDown, 'the server went down at the gate');
    server.restart();
    assert.equal(gateCut.code, 1, gateCut.output);
    const pending = (await versions()).filter((v) => v.tags['promotion.decision'] === 'pending');
    assert.equal(pending.length, 1, 'the interrupted gate left one pending version');
    const interruptedRun = (await runs()).at(-1)!.run_id;

    let rerun = await runTrainer(env);
    assert.equal(rerun.code, 0, rerun.output);
    assert.match(rerun.output, /settled what an interrupted pipeline run left/);
    const closed = await mlflow.getModelVersion(MODEL, pending[0]!.version);
    assert.equal(closed.tags['promotion.decision'], 'interrupted');
    assert.match(closed.tags['promotion.reason']!, new RegExp(`pipeline run ${interruptedRun} ended`));
    assert.ok(closed.tags['promotion.decided_at']);
    assert.equal(
      (await versions()).filter((v) => v.tags['promotion.decision'] === 'pending').length,
      0,
      'no version is left pending',
    );

    // 2. The server dies while a search is being logged: its parent and child runs stay RUNNING.
    server.fail({ pathIncludes: 'runs/log-batch', down: true });
    const logCut = await runTrainer(failEnv);
    assert.ok(server.isDown, 'the server went down while logging');
    server.restart();
    assert.equal(logCut.code, 1, logCut.output);
    const cutRun = (await runs()).at(-1)!.run_id;
    const left = (await runningRuns()).filter((r) => r.data.tags['pipeline.run_id'] === cutRun);
    assert.ok(left.length >= 2, `the cut run left its parent and child RUNNING (${left.length})`);

    rerun = await runTrainer(env);
    assert.equal(rerun.code, 0, rerun.output);
    assert.match(rerun.output, /settled what an interrupted pipeline run left/);
    const settler = (await runs()).at(-1)!.run_id;
    for (const r of left) {
      const after = await mlflow.getRun(r.info.runId);
      assert.equal(after.info.status, 'FAILED', `run ${r.info.runId}`);
      assert.ok((after.info.endTime ?? 0) >= (after.info.startTime ?? 0) && after.info.endTime! > 0);
      assert.equal(after.data.tags['pipeline.settled_by'], settler);
    }
    assert.deepEqual(await runningRuns(), [], 'no run of the experiment is left RUNNING');
  });
});
