import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MlflowBackend } from '@covertype/mlflow';
import { MODEL_CLASS_LABELS, type ServingCost } from '@covertype/schema';
import {
  encodeLabels,
  encodeRows,
  evaluate,
  exportOnnx,
  modelStats,
  runSearch,
  type SearchResult,
} from '@covertype/tree-ensemble';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import { measureServingCost, SERVING_METRICS } from '../model/serving-cost.ts';
import { COVERTYPE_SIGNATURE, inputExample } from '../model/signature.ts';
import type { KeyedRow } from '../store/types.ts';
import { type Family, type SearchPresetName, searchesFor } from './search.ts';

/** The best model of one search, logged and ready to register. */
export interface Candidate {
  search: string;
  family: Family;
  runId: string;
  /** Concrete artifact URI of the logged model directory. */
  modelUri: string;
  artifactPath: string;
  params: Record<string, unknown>;
  cvAccuracy: number;
  testAccuracy: number;
  testF1Macro: number;
  candidatesTried: number;
  folds: number;
  /** Wall time of the search (CV of every candidate and the refit). */
  searchSeconds: number;
  /** What the refit model costs to serve in onnxruntime (as the promotion gate measures it). */
  servingCost: ServingCost;
}

export interface TrainOptions {
  mlflow: MlflowBackend;
  experimentName: string;
  family: Family;
  preset: SearchPresetName;
  cvFolds?: number | undefined;
  train: readonly KeyedRow[];
  test: readonly KeyedRow[];
  pipelineRunId: string;
  testTable: string;
  seed: number;
  /** Worker threads per search (TRAIN_WORKERS); unset = the learner's default. */
  workers?: number | undefined;
  /** Aborts the searches (task timeout, trainer stopping): their worker threads stop at once. */
  signal?: AbortSignal | undefined;
  log: Logger;
}

const MODEL_PATH = 'model';

function cvMetrics(c: SearchResult['candidates'][number]): Record<string, number> {
  // Named as scikit-learn's cv_results_, which MLflow's GridSearchCV autolog logs.
  const m: Record<string, number> = {
    mean_test_accuracy: c.mean.accuracy,
    std_test_accuracy: c.std.accuracy,
    mean_test_f1_macro: c.mean.macroF1,
    mean_test_log_loss: c.mean.logLoss,
    mean_fit_time: c.mean.fitSeconds,
    rank_test_accuracy: c.rank,
  };
  c.folds.forEach((f, i) => {
    m[`split${i}_test_accuracy`] = f.accuracy;
  });
  // HalvingRandomSearchCV's cv_results_ name: the halving rung whose rows the scores above come from.
  if (c.rung !== undefined) m.iter = c.rung;
  return m;
}

const paramsOf = (p: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v === null ? 'None' : String(v)]));

/** Logs one search as MLflow's GridSearchCV autolog does: a parent run with the refit best model, a child per candidate. */
async function logSearch(
  options: TrainOptions,
  experimentId: string,
  outcome: SearchResult,
  seconds: number,
): Promise<Candidate> {
  const { mlflow, log } = options;
  const spec = { name: outcome.preset, family: outcome.family, folds: outcome.folds };
  const best = outcome.best;
  const model = outcome.bestModel;
  if (!model) throw new Error(`search ${spec.name} returned no refit model`);
  const parent = await mlflow.createRun({
    experimentId,
    runName: `${spec.name} (${options.pipelineRunId})`,
    tags: {
      'pipeline.run_id': options.pipelineRunId,
      'pipeline.search': spec.name,
      'pipeline.family': spec.family,
      'pipeline.test_table': options.testTable,
      estimator_name:
        spec.family === 'random-forest' ? 'RandomForestClassifier' : 'GradientBoostingClassifier',
    },
  });
  const parentId = parent.info.runId;
  let openChild: string | undefined;
  try {
    for (const [i, c] of outcome.candidates.entries()) {
      const child = await mlflow.createRun({
        experimentId,
        parentRunId: parentId,
        runName: `${spec.name}-${i + 1}`,
        tags: { 'pipeline.run_id': options.pipelineRunId, 'pipeline.search': spec.name },
      });
      openChild = child.info.runId;
      await mlflow.logBatch(child.info.runId, { params: paramsOf(c.params), metrics: cvMetrics(c) });
      await mlflow.setTerminated(child.info.runId, 'FINISHED');
      openChild = undefined;
    }
    const test = evaluate(model, encodeRows(options.test), encodeLabels(options.test));
    const stats = modelStats(model);
    await mlflow.logBatch(parentId, {
      params: {
        ...paramsOf(best.params),
        cv_folds: spec.folds,
        candidates: outcome.candidates.length,
        train_rows: options.train.length,
        test_rows: options.test.length,
      },
      metrics: {
        best_cv_score: best.mean.accuracy,
        cv_accuracy_std: best.std.accuracy,
        test_accuracy: test.accuracy,
        test_f1_macro: test.macroF1,
        ...(test.logLoss === null ? {} : { test_log_loss: test.logLoss }),
        refit_seconds: best.refitSeconds ?? 0,
        search_seconds: seconds,
        trees: stats.trees,
        leaves: stats.leaves,
      },
    });
    const dir = await mkdtemp(path.join(tmpdir(), 'covertype-cm-'));
    try {
      const file = path.join(dir, 'confusion_matrix.json');
      await writeFile(
        file,
        `${JSON.stringify({ labels: MODEL_CLASS_LABELS, rows: 'true Cover_Type', columns: 'predicted', matrix: test.confusion }, null, 2)}\n`,
      );
      await mlflow.logArtifact(parentId, file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const onnx = exportOnnx(model, {
      description: `covertype ${spec.name}, MLflow run ${parentId}`,
      metadata: { mlflow_run_id: parentId, search: spec.name },
    });
    // Measured before the model is logged, so the ranking of candidates can weigh it (rank.ts).
    const servingCost = await measureServingCost(onnx, options.test);
    await mlflow.logBatch(parentId, {
      metrics: Object.fromEntries(
        Object.entries(SERVING_METRICS).map(([key, name]) => [name, servingCost[key as keyof ServingCost]]),
      ),
    });
    const logged = await mlflow.logOnnxModel(parentId, MODEL_PATH, {
      onnx,
      signature: COVERTYPE_SIGNATURE,
      inputExample: inputExample(options.test),
      metadata: { search: spec.name, family: spec.family, params: best.params },
    });
    await mlflow.setTerminated(parentId, 'FINISHED');
    log.info(
      {
        search: spec.name,
        mlflowRunId: parentId,
        cvAccuracy: best.mean.accuracy,
        testAccuracy: test.accuracy,
        usPerRowSingle: servingCost.usPerRowSingle,
      },
      'search logged',
    );
    return {
      search: spec.name,
      family: spec.family,
      runId: parentId,
      modelUri: logged.artifactUri,
      artifactPath: MODEL_PATH,
      params: best.params,
      cvAccuracy: best.mean.accuracy,
      testAccuracy: test.accuracy,
      testF1Macro: test.macroF1,
      candidatesTried: outcome.candidates.length,
      folds: outcome.folds,
      searchSeconds: seconds,
      servingCost,
    };
  } catch (err) {
    // Best effort: with MLflow down these fail too, and the next pipeline run ends them (settle.ts).
    if (openChild) await mlflow.setTerminated(openChild, 'FAILED').catch(() => {});
    await mlflow.setTerminated(parentId, 'FAILED').catch(() => {});
    throw err;
  }
}

/**
 * Logging is retried on its own, so a short MLflow outage costs a new parent run (the failed one is
 * marked FAILED) rather than the whole search again; the task's retries still cover longer ones.
 */
function logWithRetries<T>(fn: () => Promise<T>, log: Logger, signal?: AbortSignal): Promise<T> {
  return pRetry(fn, {
    retries: 2,
    minTimeout: 2000,
    signal,
    onFailedAttempt: ({ error, attemptNumber }) =>
      log.warn(
        { attempt: attemptNumber, error: error.message },
        'logging the search to MLflow failed; retrying',
      ),
  });
}

/** Runs the preset's searches of one family on the train table and logs each to MLflow. */
export async function trainFamily(options: TrainOptions): Promise<Candidate[]> {
  const experimentId = await options.mlflow.getOrCreateExperiment(options.experimentName);
  const x = encodeRows(options.train);
  const y = encodeLabels(options.train);
  const out: Candidate[] = [];
  for (const search of searchesFor(options.preset, options.family, options.cvFolds)) {
    const started = performance.now();
    let lastDecile = 0;
    const outcome = await runSearch(search.preset, x, y, {
      folds: search.folds,
      seed: options.seed,
      refit: 'best',
      workers: options.workers,
      signal: options.signal,
      // A workshop search runs for minutes: say how far it got, every tenth of the fits.
      onProgress: (done, total) => {
        const decile = Math.floor((done / total) * 10);
        if (decile > lastDecile) {
          lastDecile = decile;
          options.log.info({ search: search.preset.name, done, total }, 'search progress');
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    // A search that ended as its task was given up must not log runs the retry will log again.
    options.signal?.throwIfAborted();
    options.log.info(
      { search: search.preset.name, candidates: outcome.candidates.length, folds: search.folds, seconds },
      'search finished',
    );
    out.push(
      await logWithRetries(
        () => logSearch(options, experimentId, outcome, seconds),
        options.log,
        options.signal,
      ),
    );
  }
  return out;
}
