import { isMlflowError, type MlflowBackend, type ModelVersion, type Run } from '@covertype/mlflow';
import type { Logger } from 'pino';
import { CHAMPION_ALIAS, TAGS } from './register.ts';

/** The gate decision written on a version whose gate an earlier pipeline run never finished. */
export const INTERRUPTED_DECISION = 'interrupted';
/** Run tag naming the pipeline run that ended a run its own pipeline run left RUNNING. */
export const SETTLED_BY_TAG = 'pipeline.settled_by';

export interface SettleOptions {
  mlflow: MlflowBackend;
  experimentName: string;
  modelName: string;
  /** The pipeline run doing the settling: its own runs and versions are left alone. */
  pipelineRunId: string;
  log: Logger;
  now?: () => number;
}

export interface SettleResult {
  /** MLflow run ids set to FAILED. */
  runs: string[];
  /** Model versions whose pending gate was closed. */
  versions: string[];
}

async function allPages<T>(
  page: (token: string | undefined) => Promise<{ items: T[]; nextPageToken?: string }>,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    out.push(...p.items);
    token = p.nextPageToken;
  } while (token);
  return out;
}

/**
 * Ends what an earlier pipeline run left half-done when its trainer or the MLflow server stopped
 * mid-run: MLflow runs of this pipeline still RUNNING (set FAILED, with an end time) and model versions
 * whose promotion gate never decided (`promotion.decision=pending`, closed as `interrupted`: the new
 * run's own candidate goes through the gate instead). The pipeline lock guarantees no other run of
 * this pipeline is in progress, so anything RUNNING or pending from another pipeline run is stale.
 */
export async function settleInterrupted(options: SettleOptions): Promise<SettleResult> {
  const { mlflow, pipelineRunId, log } = options;
  const now = options.now ?? Date.now;
  const result: SettleResult = { runs: [], versions: [] };

  const experiment = await mlflow.getExperimentByName(options.experimentName);
  if (experiment) {
    const running = await allPages<Run>((pageToken) =>
      mlflow.searchRuns({
        experimentIds: [experiment.experimentId],
        filter: "attributes.status = 'RUNNING'",
        maxResults: 1000,
        ...(pageToken ? { pageToken } : {}),
      }),
    );
    for (const run of running) {
      const owner = run.data.tags[TAGS.pipelineRun];
      if (!owner || owner === pipelineRunId) continue;
      await mlflow.logBatch(run.info.runId, { tags: { [SETTLED_BY_TAG]: pipelineRunId } });
      await mlflow.setTerminated(run.info.runId, 'FAILED', now());
      result.runs.push(run.info.runId);
    }
  }

  const versions = await allPages<ModelVersion>((pageToken) =>
    mlflow.searchModelVersions({
      filter: `name='${options.modelName}'`,
      maxResults: 1000,
      ...(pageToken ? { pageToken } : {}),
    }),
  ).catch((err) => {
    // No registered model yet: nothing can be pending.
    if (isMlflowError(err, 'RESOURCE_DOES_NOT_EXIST')) return [];
    throw err;
  });
  for (const v of versions) {
    if (v.tags[TAGS.decision] !== 'pending') continue;
    const owner = v.tags[TAGS.pipelineRun];
    if (owner === pipelineRunId) continue;
    // The gate writes its decision before moving the alias, so a pending version is never the champion
    // by this pipeline's doing; if something else pointed the alias at it, say so rather than hide it.
    const champion = v.aliases?.includes(CHAMPION_ALIAS);
    const tags: Record<string, string> = {
      [TAGS.decision]: champion ? 'promoted' : INTERRUPTED_DECISION,
      [TAGS.decidedAt]: new Date(now()).toISOString(),
      [TAGS.reason]: champion
        ? `pipeline run ${owner ?? 'unknown'} ended before its gate recorded a decision; the alias ${CHAMPION_ALIAS} already points at this version (settled by pipeline run ${pipelineRunId})`
        : `pipeline run ${owner ?? 'unknown'} ended before its gate decided; not promoted (settled by pipeline run ${pipelineRunId}, whose own candidate goes through the gate)`,
    };
    for (const [key, value] of Object.entries(tags)) {
      await mlflow.setModelVersionTag(options.modelName, v.version, key, value);
    }
    result.versions.push(v.version);
  }

  if (result.runs.length || result.versions.length) {
    log.warn(
      {
        experiment: options.experimentName,
        runsSetFailed: result.runs,
        model: options.modelName,
        versionsClosedAsInterrupted: result.versions,
      },
      'settled what an interrupted pipeline run left: RUNNING MLflow runs set FAILED, pending gates closed',
    );
  }
  return result;
}
