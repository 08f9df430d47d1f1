import { parseArgs } from 'node:util';
import { createLogger, runMain } from '@covertype/service-kit';
import { expandCandidates } from '@covertype/tree-ensemble';
import { Cron } from 'croner';
import { type Config, loadConfig } from './config.ts';
import { describePlan } from './dag/define.ts';
import { type DagRunResult, errorMessage } from './dag/run.ts';
import { openRuntime, PipelineLockedError, runPipelineOnce, trainingDag } from './run-pipeline.ts';
import { redactUrl } from './store/mysql/store.ts';
import { describeFront, type Ranking } from './tasks/rank.ts';
import { searchesFor } from './tasks/search.ts';

const USAGE = `usage: trainer [--once] [--dry-run]
  --once     run the training DAG once and exit (0 on success, 1 with a one-line reason otherwise)
  --dry-run  print the plan and the resolved settings, touch nothing
  (neither)  run as a service: the DAG on PIPELINE_CRON, once at start if PIPELINE_RUN_ON_START=true`;

function describeSettings(config: Config): string {
  const lines = [
    `data API:      ${config.DATA_API_URL ?? `started as a process, serving ${config.DATA_PATH ?? 'the default covertype CSV'}`}`,
    `groups:        ${config.DATA_GROUP.join(', ')}`,
    `tables:        ${config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : `local files in ${config.PIPELINE_DATA_DIR}`}`,
    `MLflow:        ${config.mlflow.trackingUri} (experiment ${config.MLFLOW_EXPERIMENT_NAME})`,
    `model:         ${config.MODEL_NAME} (alias champion, stage Production)`,
    `search preset: ${config.SEARCH_PRESET}${config.CV_FOLDS ? `, ${config.CV_FOLDS}-fold CV` : ''}`,
    `split:         ${config.TEST_FRACTION} test, seed ${config.SPLIT_SEED}`,
    `choice:        ${config.SEARCH_ACCURACY_TOLERANCE ? `the cheapest to serve within ${config.SEARCH_ACCURACY_TOLERANCE} CV accuracy of the best` : 'the best CV accuracy'}`,
    ...(['random-forest', 'gradient-boosting'] as const).flatMap((family) =>
      searchesFor(config.SEARCH_PRESET, family, config.CV_FOLDS).map(
        (s) =>
          `search:        ${s.preset.name} (${family}): ${expandCandidates(s.preset, config.SPLIT_SEED).length} candidates × ${s.folds}-fold CV`,
      ),
    ),
    `schedule:      ${config.PIPELINE_CRON}${config.PIPELINE_RUN_ON_START ? ', and once at start' : ''}`,
  ];
  return lines.join('\n');
}

/** The accuracy–cost Pareto front of this run's candidates, the chosen one starred. */
function summaryFront(result: DagRunResult): string {
  const ranking = (result.results.get('register-best') as { ranking?: Ranking } | undefined)?.ranking;
  if (!ranking) return '';
  return ['Pareto front (CV accuracy vs onnxruntime µs/row, single):', ...describeFront(ranking)].join('\n');
}

await runMain('trainer', async () => {
  let args: { once?: boolean; 'dry-run'?: boolean; help?: boolean };
  try {
    args = parseArgs({
      options: {
        once: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new Error(`${errorMessage(err)}\n${USAGE}`);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  const dag = trainingDag(config);
  if (args['dry-run']) {
    console.log(`${describePlan(dag)}\n\n${describeSettings(config)}`);
    return;
  }
  const log = createLogger('trainer', config.LOG_LEVEL);
  const runtime = await openRuntime(config, log);

  if (args.once) {
    const controller = new AbortController();
    const stop = (signal: string) => controller.abort(new Error(`stopped by ${signal}`));
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    try {
      const result = await runPipelineOnce(config, runtime, dag, {
        trigger: 'once',
        log,
        signal: controller.signal,
      });
      if (!result.ok) throw new Error(`pipeline run ${result.runId} failed: ${result.error}`);
      console.log(`pipeline run ${result.runId} succeeded in ${(result.durationMs / 1000).toFixed(1)} s`);
      console.log(summaryFront(result));
    } finally {
      await runtime.close();
    }
    // Worker threads or sockets of a library must not keep a finished one-shot job alive.
    process.exit(0);
  }

  try {
    new Cron(config.PIPELINE_CRON, { paused: true }).stop();
  } catch (err) {
    throw new Error(`PIPELINE_CRON="${config.PIPELINE_CRON}" is not a cron pattern: ${errorMessage(err)}`);
  }
  let current: { controller: AbortController; done: Promise<void> } | undefined;
  const trigger = (kind: string) => {
    if (current) {
      log.warn({ trigger: kind }, 'previous run still in progress; skipping this one');
      return;
    }
    const controller = new AbortController();
    const done = runPipelineOnce(config, runtime, dag, { trigger: kind, log, signal: controller.signal })
      .then((result) => {
        if (!result.ok) log.error({ runId: result.runId, error: result.error }, 'pipeline run failed');
      })
      .catch((err) => {
        if (err instanceof PipelineLockedError) log.warn({ reason: err.message }, 'run skipped');
        else log.error({ err: errorMessage(err) }, 'pipeline run could not start');
      })
      .finally(() => {
        current = undefined;
        const next = job.nextRun();
        log.info({ nextRunAt: next?.toISOString() ?? null }, 'waiting for the next scheduled run');
      });
    current = { controller, done };
  };
  const job = new Cron(config.PIPELINE_CRON, { protect: true, name: 'covertype-training' }, () =>
    trigger('cron'),
  );
  log.info({ cron: config.PIPELINE_CRON, nextRunAt: job.nextRun()?.toISOString() }, 'trainer scheduled');
  if (config.PIPELINE_RUN_ON_START) trigger('start');

  await new Promise<void>((resolve) => {
    const shutdown = async (signal: string) => {
      log.info({ signal }, 'shutting down');
      job.stop();
      if (current) {
        current.controller.abort(new Error(`stopped by ${signal}`));
        await current.done;
      }
      await runtime.close();
      resolve();
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  });
});
