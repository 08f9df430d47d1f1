import type { FeatureMatrix } from '../learn/features.ts';
import { checkData } from '../learn/gradient-boosting.ts';
import type { TreeEnsembleModel } from '../learn/model.ts';
import {
  assembleForest,
  type ForestFitOptions,
  fitRandomForest,
  RANDOM_FOREST_DEFAULTS,
  type RandomForestParams,
} from '../learn/random-forest.ts';
import type { Task } from './tasks.ts';
import { defaultWorkers, runTasks, shared } from './worker-pool.ts';

/**
 * fitRandomForest with the trees grown on worker threads. Each tree's randomness depends only on
 * (seed, tree index), so the model is identical to the single-threaded one for any worker count.
 */
export async function fitRandomForestParallel(
  x: FeatureMatrix,
  y: Uint8Array,
  params: Partial<RandomForestParams> = {},
  options: ForestFitOptions & { workers?: number; signal?: AbortSignal } = {},
): Promise<TreeEnsembleModel> {
  const workers = options.workers ?? defaultWorkers();
  if (workers <= 1) return fitRandomForest(x, y, params, options);
  const p = { ...RANDOM_FOREST_DEFAULTS, ...params };
  const labels = [...(options.classLabels ?? [1, 2, 3, 4, 5, 6, 7])];
  checkData(x, y, labels.length);
  // Validate parameters once, here, with the same messages as the sequential path.
  fitRandomForest(
    { rows: 1, cols: x.cols, values: x.values.subarray(0, x.cols) },
    y.subarray(0, 1),
    { ...p, nEstimators: 1 },
    options,
  );
  const sx = { rows: x.rows, cols: x.cols, values: shared(x.values) };
  const sy = shared(y);
  const chunks = Math.min(workers, p.nEstimators);
  const tasks: Task[] = [];
  for (let c = 0; c < chunks; c++) {
    const trees: number[] = [];
    for (let t = c; t < p.nEstimators; t += chunks) trees.push(t);
    tasks.push({ type: 'forest-trees', params: p, x: sx, y: sy, K: labels.length, trees });
  }
  const results = await runTasks(tasks, workers, undefined, options.signal);
  const trees = new Array(p.nEstimators);
  results.forEach((r, c) => {
    if (r.type !== 'forest-trees') throw new Error(`unexpected worker result ${r.type}`);
    (tasks[c] as Extract<Task, { type: 'forest-trees' }>).trees.forEach((t, i) => {
      trees[t] = r.trees[i];
    });
  });
  return assembleForest(trees, p, labels, options.featureNames);
}
