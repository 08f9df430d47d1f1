import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createMlflow,
  loadMlflowConfig,
  localPathFromUri,
  type MlflowBackend,
  type ModelVersion,
  onnxMetadata,
} from '@covertype/mlflow';
import { registerOnnxModel, sampleModelOnnx } from '@covertype/sample-model';
import { type CovertypeRow, readCovertypeCsv } from '@covertype/schema';
import { dataFile } from '@covertype/testkit';
import { encodeLabels, encodeRows, exportOnnx, fitGradientBoosting } from '@covertype/tree-ensemble';
import pino from 'pino';
import { NonRetryableError } from '../../src/dag/run.ts';
import { countTrees, SERVING_METRICS } from '../../src/model/serving-cost.ts';
import { CHAMPION_ALIAS, promoteIfBetter, TAGS } from '../../src/tasks/register.ts';
import { tempDir } from '../helpers.ts';

const log = pino({ level: 'silent' });
const MODEL = 'gate-test';

describe('promotion gate', () => {
  let mlflow: MlflowBackend;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let train: CovertypeRow[];
  let test: CovertypeRow[];

  before(async () => {
    tmp = await tempDir();
    mlflow = createMlflow(loadMlflowConfig({ MLFLOW_TRACKING_URI: `file:${path.join(tmp.dir, 'mlruns')}` }));
    const { rows } = await readCovertypeCsv(dataFile('covertype.csv'));
    const labelled = rows.filter((r): r is CovertypeRow => 'Cover_Type' in r);
    train = labelled.slice(0, 2000);
    test = labelled.slice(2000, 2600);
  });
  after(() => tmp.remove());

  /** Trains a boosting model of the given strength, logs it to MLflow and registers it. */
  async function register(rounds: number): Promise<ModelVersion> {
    const onnx = await sampleModelOnnx(train, { rounds, maxLeaves: 15, seed: 1 });
    return registerOnnxModel(mlflow, onnx, { name: MODEL, experiment: 'gate', runName: `rounds-${rounds}` });
  }

  const gate = (version: ModelVersion, servingBudgetUs?: number) =>
    promoteIfBetter({
      mlflow,
      modelName: MODEL,
      version,
      testRows: test,
      testTable: 'fp',
      servingBudgetUs,
      log,
    });
  const champion = async () => (await mlflow.getModelVersionByAlias(MODEL, CHAMPION_ALIAS)).version;

  it('makes the first version champion, keeps a stronger champion, and promotes a stronger candidate', async () => {
    const weak = await register(1);
    const first = await gate(weak);
    assert.equal(first.decision, 'first_champion');
    assert.equal(await champion(), weak.version);
    assert.equal((await mlflow.getModelVersion(MODEL, weak.version)).currentStage, 'Production');

    const strong = await register(40);
    const promoted = await gate(strong);
    assert.equal(promoted.decision, 'promoted');
    assert.ok(promoted.candidateAccuracy > promoted.championAccuracy!);
    assert.equal(await champion(), strong.version);
    const tags = (await mlflow.getModelVersion(MODEL, strong.version)).tags;
    assert.equal(tags[TAGS.decision], 'promoted');
    assert.equal(tags[TAGS.championVersion], weak.version);
    assert.equal(Number(tags[TAGS.championAccuracy]), promoted.championAccuracy);
    assert.equal(Number(tags[TAGS.candidateAccuracy]), promoted.candidateAccuracy);
    assert.equal((await mlflow.getModelVersion(MODEL, weak.version)).currentStage, 'Archived');

    const weaker = await register(2);
    const kept = await gate(weaker);
    assert.equal(kept.decision, 'kept_champion');
    assert.equal(await champion(), strong.version, 'the alias must not move to a worse model');
    const keptTags = (await mlflow.getModelVersion(MODEL, weaker.version)).tags;
    assert.equal(keptTags[TAGS.decision], 'kept_champion');
    assert.equal(Number(keptTags[TAGS.championAccuracy]), kept.championAccuracy);
    assert.equal((await mlflow.getModelVersion(MODEL, weaker.version)).currentStage, 'None');
  });

  it('never moves the alias to a candidate whose model does not load', async () => {
    const before = await champion();
    const broken = await register(3);
    await writeFile(path.join(localPathFromUri(broken.source), 'model.onnx'), 'not an onnx graph');
    await assert.rejects(
      gate(broken),
      (err: Error) => err instanceof NonRetryableError && /not promotable/.test(err.message),
    );
    assert.equal(await champion(), before);
    assert.equal(
      (await mlflow.getModelVersion(MODEL, broken.version)).tags[TAGS.decision],
      'rejected_broken',
    );
  });

  it('replaces a champion whose model no longer loads', async () => {
    const current = await mlflow.getModelVersionByAlias(MODEL, CHAMPION_ALIAS);
    await writeFile(path.join(localPathFromUri(current.source), 'model.onnx'), 'corrupted');
    const candidate = await register(1);
    const result = await gate(candidate);
    assert.equal(result.decision, 'promoted');
    assert.equal(result.championAccuracy, null);
    assert.match((await mlflow.getModelVersion(MODEL, candidate.version)).tags[TAGS.reason]!, /is broken/);
    assert.equal(await champion(), candidate.version);
  });

  // Budgets far on either side of any machine's figure: the decision cannot depend on its speed.
  it('refuses a stronger candidate over the serving budget and promotes it within the budget', async () => {
    const before = await champion();
    const strong = await register(40);
    const refused = await gate(strong, 0.001);
    assert.equal(refused.decision, 'rejected_over_budget');
    assert.equal(await champion(), before, 'the alias must not move to a model over budget');
    assert.equal((await mlflow.getModelVersion(MODEL, strong.version)).currentStage, 'None');
    let tags = (await mlflow.getModelVersion(MODEL, strong.version)).tags;
    assert.equal(tags[TAGS.decision], 'rejected_over_budget');
    assert.equal(tags[TAGS.servingBudget], '0.001');
    assert.match(tags[TAGS.reason]!, /µs per row \(single\) > serving budget 0\.001 µs/);
    for (const key of [TAGS.servingSingle, TAGS.servingBatch, TAGS.onnxBytes, TAGS.trees]) {
      assert.ok(Number(tags[key]) > 0, `tag ${key} = ${tags[key]}`);
    }
    assert.equal(Number(tags[TAGS.trees]), 40 * 7, 'boosting grows one tree per class and round');
    const metrics = (await mlflow.getRun(strong.runId!)).data.metrics;
    for (const name of Object.values(SERVING_METRICS)) {
      assert.ok(metrics[name]! > 0, `run metric ${name} = ${metrics[name]}`);
    }
    assert.equal(metrics[SERVING_METRICS.usPerRowSingle], refused.servingCost.usPerRowSingle);

    const promoted = await gate(strong, 1e9);
    assert.equal(promoted.decision, 'promoted');
    assert.equal(await champion(), strong.version);
    tags = (await mlflow.getModelVersion(MODEL, strong.version)).tags;
    assert.equal(tags[TAGS.decision], 'promoted');
    assert.equal(tags[TAGS.servingBudget], '1000000000');
  });

  it('counts trees from the exporter metadata, or from the graph when a model has none', () => {
    const model = fitGradientBoosting(encodeRows(train), encodeLabels(train), { rounds: 3, seed: 1 });
    assert.equal(onnxMetadata(exportOnnx(model)).trees, String(model.trees.length));
    assert.equal(countTrees(exportOnnx(model)), model.trees.length);
    assert.equal(countTrees(exportOnnx(model, { metadata: { trees: '' } })), model.trees.length);
    assert.equal(model.trees.length, 3 * 7);
  });

  it('without a budget, records the cost and lets accuracy decide', async () => {
    const result = await gate(await register(2));
    assert.equal(result.decision, 'kept_champion');
    assert.ok(result.servingCost.usPerRowSingle > 0 && result.servingCost.usPerRowBatch > 0);
  });
});
