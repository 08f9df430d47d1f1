import { covertypeTrainingDag, type DagLimits, type TaskName } from '@covertype/dags';
import type { PipelineEnv } from '../tasks/env.ts';
import { ingest } from '../tasks/ingest.ts';
import { prepare } from '../tasks/prepare.ts';
import { rankCandidates, recordRanking } from '../tasks/rank.ts';
import { promoteIfBetter, registerCandidate } from '../tasks/register.ts';
import { settleInterrupted } from '../tasks/settle.ts';
import { trainFamily } from '../tasks/train.ts';
import { type Dag, defineDag, type Task, type TaskContext, task } from './define.ts';

/**
 * The DAG declared in `dags/` with each task bound to its function. Tasks are bound in declaration
 * order, so every dependency is already built when a task names it.
 */
export function buildTrainingDag(limits: Partial<DagLimits> = {}): Dag<PipelineEnv> {
  const declared = covertypeTrainingDag(limits);
  const built = new Map<TaskName, Task<PipelineEnv, unknown>>();
  const bind = <Out>(name: TaskName, run: (ctx: TaskContext<PipelineEnv>) => Promise<Out>) => {
    const d = declared.tasks.find((t) => t.name === name);
    if (!d) throw new Error(`task ${name} is not declared in DAG ${declared.name}`);
    const bound = task<PipelineEnv, Out>({
      ...d,
      dependsOn: d.dependsOn.map((dep) => {
        const upstream = built.get(dep);
        if (!upstream) throw new Error(`task ${name} depends on ${dep}, which is bound after it`);
        return upstream;
      }),
      run,
    });
    built.set(name, bound as Task<PipelineEnv, unknown>);
    return bound;
  };

  bind('storage', async ({ env }) => {
    await env.store.migrate();
    return { rawRows: await env.store.raw.count(env.settings.groups), ...(await env.store.splits.count()) };
  });
  bind('settle-interrupted', ({ env, runId, log }) =>
    settleInterrupted({
      mlflow: env.mlflow,
      experimentName: env.settings.experimentName,
      modelName: env.settings.modelName,
      pipelineRunId: runId,
      log,
    }),
  );
  bind('ingest', ({ env, signal, log }) =>
    ingest({
      client: env.dataApi,
      raw: env.store.raw,
      groups: env.settings.groups,
      pollIntervalMs: env.settings.pollIntervalMs,
      signal,
      log,
    }),
  );
  const validate = bind('validate-and-split', ({ env }) =>
    prepare({
      raw: env.store.raw,
      splits: env.store.splits,
      groups: env.settings.groups,
      testFraction: env.settings.testFraction,
      seed: env.settings.splitSeed,
    }),
  );
  const train = (family: 'random-forest' | 'gradient-boosting') =>
    bind(`train-${family}`, async ({ env, runId, log, result, signal }) =>
      trainFamily({
        mlflow: env.mlflow,
        experimentName: env.settings.experimentName,
        family,
        preset: env.settings.searchPreset,
        cvFolds: env.settings.cvFolds,
        train: await env.store.splits.read('train'),
        test: await env.store.splits.read('test'),
        pipelineRunId: runId,
        testTable: result(validate).testFingerprint,
        seed: env.settings.splitSeed,
        workers: env.settings.workers,
        signal,
        log,
      }),
    );
  const trainForest = train('random-forest');
  const trainBoosting = train('gradient-boosting');
  const register = bind('register-best', async ({ env, runId, log, result }) => {
    const ranking = rankCandidates(
      [...result(trainForest), ...result(trainBoosting)],
      env.settings.accuracyTolerance,
    );
    await recordRanking(env.mlflow, ranking, log);
    const version = await registerCandidate({
      mlflow: env.mlflow,
      modelName: env.settings.modelName,
      candidate: ranking.chosen,
      pipelineRunId: runId,
      log,
    });
    return { version, ranking };
  });
  bind('promote-if-better', async ({ env, log, result }) =>
    promoteIfBetter({
      mlflow: env.mlflow,
      modelName: env.settings.modelName,
      version: result(register).version,
      testRows: await env.store.splits.read('test'),
      testTable: result(validate).testFingerprint,
      servingBudgetUs: env.settings.servingBudgetUs,
      log,
    }),
  );

  const unbound = declared.tasks.filter((t) => !built.has(t.name)).map((t) => t.name);
  if (unbound.length) throw new Error(`DAG ${declared.name}: no function for ${unbound.join(', ')}`);
  return defineDag<PipelineEnv>({
    name: declared.name,
    description: declared.description,
    tasks: [...built.values()],
  });
}
