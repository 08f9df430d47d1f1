import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMlflowError, type MlflowBackend, type ModelVersion } from '@covertype/mlflow';
import { type CovertypeRow, SERVING_COST_TAGS, type ServingCost } from '@covertype/schema';
import type { Logger } from 'pino';
import { NonRetryableError } from '../dag/run.ts';
import { BrokenModelError, scoreOnnx } from '../model/onnx-scoring.ts';
import { measureServingCost, SERVING_METRICS } from '../model/serving-cost.ts';
import type { Candidate } from './train.ts';

export const CHAMPION_ALIAS = 'champion';

/** Tags written on every version this pipeline registers (MLflow keys allow dots). */
export const TAGS = {
  decision: 'promotion.decision',
  candidateAccuracy: 'promotion.candidate_test_accuracy',
  championAccuracy: 'promotion.champion_test_accuracy',
  championVersion: 'promotion.champion_version',
  testTable: 'promotion.test_table',
  testRows: 'promotion.test_rows',
  decidedAt: 'promotion.decided_at',
  reason: 'promotion.reason',
  /** SERVING_BUDGET_US the gate applied ('none' without a budget). */
  servingBudget: 'promotion.serving_budget_us_per_row',
  /** The candidate's serving cost (the same figures as its run's SERVING_METRICS). */
  servingSingle: SERVING_COST_TAGS.usPerRowSingle,
  servingBatch: SERVING_COST_TAGS.usPerRowBatch,
  onnxBytes: SERVING_COST_TAGS.onnxBytes,
  trees: SERVING_COST_TAGS.trees,
  pipelineRun: 'pipeline.run_id',
  search: 'pipeline.search',
  cvAccuracy: 'pipeline.cv_accuracy',
} as const;

export interface RegisterOptions {
  mlflow: MlflowBackend;
  modelName: string;
  candidate: Candidate;
  pipelineRunId: string;
  log: Logger;
}

/**
 * Registers the candidate's logged model as a new version. Idempotent: a retry finds the version
 * already created for that MLflow run. The model files are checked first, so no version ever points
 * at a run without its artifacts.
 */
export async function registerCandidate(options: RegisterOptions): Promise<ModelVersion> {
  const { mlflow, modelName, candidate } = options;
  const files = await mlflow.listArtifacts(candidate.runId, candidate.artifactPath);
  const names = new Set(files.map((f) => path.posix.basename(f.path)));
  for (const required of ['MLmodel', 'model.onnx']) {
    if (!names.has(required)) {
      throw new NonRetryableError(
        `run ${candidate.runId} has no ${candidate.artifactPath}/${required}; refusing to register a version without its model`,
      );
    }
  }
  await mlflow.createRegisteredModel(modelName, {
    description: 'Forest cover type (UCI covertype) classifier trained by the covertype pipeline.',
  });
  const existing = await mlflow.searchModelVersions({
    filter: `name='${modelName}' and run_id='${candidate.runId}'`,
  });
  const found = existing.items.find((v) => v.runId === candidate.runId);
  if (found) {
    options.log.info({ model: modelName, version: found.version }, 'version already registered for this run');
    return found;
  }
  const version = await mlflow.createModelVersion(modelName, candidate.modelUri, candidate.runId, {
    description: `${candidate.search} best candidate (CV accuracy ${candidate.cvAccuracy.toFixed(4)})`,
    tags: {
      [TAGS.decision]: 'pending',
      [TAGS.pipelineRun]: options.pipelineRunId,
      [TAGS.search]: candidate.search,
      [TAGS.cvAccuracy]: String(candidate.cvAccuracy),
    },
  });
  options.log.info(
    { model: modelName, version: version.version, mlflowRunId: candidate.runId },
    'model version registered',
  );
  return version;
}

/** The version's registered ONNX file, downloaded to a temporary folder that `use` may read. */
async function withVersionOnnx<T>(
  mlflow: MlflowBackend,
  version: ModelVersion,
  use: (onnx: Buffer) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'covertype-gate-'));
  try {
    const local = await mlflow.downloadArtifacts({ artifactUri: version.source }, dir);
    let onnx: Buffer;
    try {
      onnx = await readFile(path.join(local, 'model.onnx'));
    } catch {
      throw new BrokenModelError(`version ${version.version} has no model.onnx at ${version.source}`);
    }
    return await use(onnx);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const versionScore = (mlflow: MlflowBackend, version: ModelVersion, rows: readonly CovertypeRow[]) =>
  withVersionOnnx(mlflow, version, async (onnx) => (await scoreOnnx(onnx, rows)).accuracy);

export interface PromoteOptions {
  mlflow: MlflowBackend;
  modelName: string;
  version: ModelVersion;
  testRows: readonly CovertypeRow[];
  testTable: string;
  /** Most µs per row (single-row requests) a champion may cost; 0 or unset: no budget. */
  servingBudgetUs?: number | undefined;
  log: Logger;
}

export type Decision =
  | 'promoted'
  | 'first_champion'
  | 'kept_champion'
  | 'already_champion'
  | 'rejected_over_budget';

export interface PromoteResult {
  version: string;
  decision: Decision;
  candidateAccuracy: number;
  championVersion: string | null;
  championAccuracy: number | null;
  servingCost: ServingCost;
}

/** Writes the cost on the candidate's run as metrics, so runs can be compared on it in MLflow. */
async function logServingCost(mlflow: MlflowBackend, runId: string | undefined, cost: ServingCost) {
  if (!runId) return;
  await mlflow.logBatch(runId, {
    metrics: Object.fromEntries(
      Object.entries(SERVING_METRICS).map(([key, name]) => [name, cost[key as keyof ServingCost]]),
    ),
  });
}

async function currentChampion(mlflow: MlflowBackend, modelName: string): Promise<ModelVersion | null> {
  try {
    return await mlflow.getModelVersionByAlias(modelName, CHAMPION_ALIAS);
  } catch (err) {
    // MLflow answers a missing alias with 400 INVALID_PARAMETER_VALUE (404 when the model is missing).
    if (isMlflowError(err, 'INVALID_PARAMETER_VALUE') || isMlflowError(err, 'RESOURCE_DOES_NOT_EXIST'))
      return null;
    throw err;
  }
}

/**
 * The promotion gate. Both the candidate and the current champion are scored from their registered
 * ONNX files on the same test table; the alias moves only when the candidate loads, runs and strictly
 * beats the champion. A champion that no longer loads counts as beaten. The candidate's serving cost is
 * measured on its ONNX and logged on its run; over a serving budget it is refused whatever its score.
 * The decision, both scores and the cost are written as tags on the candidate version before any
 * pointer moves.
 */
export async function promoteIfBetter(options: PromoteOptions): Promise<PromoteResult> {
  const { mlflow, modelName, version, testRows, log } = options;
  const champion = await currentChampion(mlflow, modelName);
  let candidateAccuracy: number;
  let servingCost: ServingCost;
  try {
    [candidateAccuracy, servingCost] = await withVersionOnnx(mlflow, version, async (onnx) => [
      (await scoreOnnx(onnx, testRows)).accuracy,
      await measureServingCost(onnx, testRows),
    ]);
  } catch (err) {
    if (!(err instanceof BrokenModelError)) throw err;
    await mlflow.setModelVersionTag(modelName, version.version, TAGS.decision, 'rejected_broken');
    await mlflow.setModelVersionTag(modelName, version.version, TAGS.reason, err.message);
    throw new NonRetryableError(`candidate version ${version.version} is not promotable: ${err.message}`);
  }
  if (champion?.version === version.version) {
    // A retry after the alias moved: finish the stage transition and stop.
    if (champion.currentStage !== 'Production') {
      await mlflow.transitionModelVersionStage(modelName, version.version, 'Production', true);
    }
    return {
      version: version.version,
      decision: 'already_champion',
      candidateAccuracy,
      championVersion: champion.version,
      championAccuracy: candidateAccuracy,
      servingCost,
    };
  }
  let championAccuracy: number | null = null;
  let reason = '';
  if (champion) {
    try {
      championAccuracy = await versionScore(mlflow, champion, testRows);
    } catch (err) {
      if (!(err instanceof BrokenModelError)) throw err;
      reason = `champion version ${champion.version} is broken: ${err.message}`;
      log.warn({ champion: champion.version, err: err.message }, 'current champion cannot be scored');
    }
  }
  await logServingCost(mlflow, version.runId, servingCost);
  const budget = options.servingBudgetUs || undefined;
  const overBudget = budget !== undefined && servingCost.usPerRowSingle > budget;
  const decision: Decision = overBudget
    ? 'rejected_over_budget'
    : !champion
      ? 'first_champion'
      : championAccuracy === null || candidateAccuracy > championAccuracy
        ? 'promoted'
        : 'kept_champion';
  if (overBudget) {
    reason = `candidate costs ${servingCost.usPerRowSingle.toFixed(1)} µs per row (single) > serving budget ${budget} µs; ${champion ? `champion version ${champion.version} stays` : 'no champion is set'}`;
  } else if (!reason) {
    reason =
      decision === 'first_champion'
        ? 'no champion yet'
        : `candidate ${candidateAccuracy.toFixed(4)} ${decision === 'promoted' ? '>' : '<='} champion ${championAccuracy?.toFixed(4)}`;
  }
  const tags: Record<string, string> = {
    [TAGS.decision]: decision,
    [TAGS.candidateAccuracy]: String(candidateAccuracy),
    [TAGS.championAccuracy]: championAccuracy === null ? 'none' : String(championAccuracy),
    [TAGS.championVersion]: champion?.version ?? 'none',
    [TAGS.testTable]: options.testTable,
    [TAGS.testRows]: String(testRows.length),
    [TAGS.decidedAt]: new Date().toISOString(),
    [TAGS.reason]: reason,
    [TAGS.servingBudget]: budget === undefined ? 'none' : String(budget),
    [TAGS.servingSingle]: String(servingCost.usPerRowSingle),
    [TAGS.servingBatch]: String(servingCost.usPerRowBatch),
    [TAGS.onnxBytes]: String(servingCost.onnxBytes),
    [TAGS.trees]: String(servingCost.trees),
  };
  for (const [key, value] of Object.entries(tags)) {
    await mlflow.setModelVersionTag(modelName, version.version, key, value);
  }
  if (decision === 'promoted' || decision === 'first_champion') {
    await mlflow.setRegisteredModelAlias(modelName, CHAMPION_ALIAS, version.version);
    await mlflow.transitionModelVersionStage(modelName, version.version, 'Production', true);
  }
  log.info(
    {
      model: modelName,
      version: version.version,
      decision,
      candidateAccuracy,
      championAccuracy,
      champion: champion?.version,
      usPerRowSingle: servingCost.usPerRowSingle,
      servingBudgetUs: budget,
    },
    'promotion gate decided',
  );
  return {
    version: version.version,
    decision,
    candidateAccuracy,
    championVersion: champion?.version ?? null,
    championAccuracy,
    servingCost,
  };
}
