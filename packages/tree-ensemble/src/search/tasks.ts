import { evaluate } from '../learn/evaluate.ts';
import { type FeatureMatrix, takeLabels, takeRows } from '../learn/features.ts';
import { fitModel, type ModelFamily } from '../learn/fit.ts';
import type { Tree, TreeEnsembleModel } from '../learn/model.ts';
import { fitForestTree, RANDOM_FOREST_DEFAULTS, type RandomForestParams } from '../learn/random-forest.ts';
import { fitValueCodes } from '../learn/value-codes.ts';
import { fitStaged, groupByTreeCount, treeCountParam } from './staged.ts';

/** Work that runs the same in the main thread or in a worker (everything here is structured-cloneable). */
export type Task =
  | {
      type: 'cv-fold';
      family: ModelFamily;
      /**
       * Candidates scored on this fold: one, or several whose params differ only in the tree count,
       * which share one fit of the largest (see staged.ts).
       */
      candidates: Record<string, unknown>[];
      x: FeatureMatrix;
      y: Uint8Array;
      train: Uint32Array;
      test: Uint32Array;
      classLabels: number[];
    }
  | {
      type: 'fit';
      family: ModelFamily;
      params: Record<string, unknown>;
      x: FeatureMatrix;
      y: Uint8Array;
      classLabels: number[];
    }
  | {
      type: 'forest-trees';
      params: RandomForestParams;
      x: FeatureMatrix;
      y: Uint8Array;
      K: number;
      trees: number[];
    };

export interface FoldScore {
  accuracy: number;
  macroF1: number;
  logLoss: number;
  /**
   * Seconds until this candidate's model was fit. When it shares a fit with candidates that differ only
   * in tree count, the time the shared fit took to grow this candidate's trees (rounds), about what
   * fitting it alone takes; sibling candidates' times overlap, so they do not add up to the work done.
   */
  fitSeconds: number;
}

export type TaskResult =
  | { type: 'cv-fold'; scores: FoldScore[] }
  | { type: 'fit'; model: TreeEnsembleModel; fitSeconds: number }
  | { type: 'forest-trees'; trees: Tree[] };

export function runTask(task: Task): TaskResult {
  switch (task.type) {
    case 'cv-fold':
      return { type: 'cv-fold', scores: scoreFold(task) };
    case 'fit': {
      const start = performance.now();
      const model = fitModel(task.family, task.x, task.y, task.params, task.classLabels);
      return { type: 'fit', model, fitSeconds: (performance.now() - start) / 1000 };
    }
    case 'forest-trees': {
      const codes = fitValueCodes(task.x);
      const p = { ...RANDOM_FOREST_DEFAULTS, ...task.params };
      const trees = task.trees.map((t) => fitForestTree(codes, task.y, task.K, p, t));
      return { type: 'forest-trees', trees };
    }
  }
}

function scoreFold(task: Extract<Task, { type: 'cv-fold' }>): FoldScore[] {
  const xTrain = takeRows(task.x, task.train);
  const yTrain = takeLabels(task.y, task.train);
  const xTest = takeRows(task.x, task.test);
  const yTest = takeLabels(task.y, task.test);
  const score = (model: TreeEnsembleModel, fitSeconds: number): FoldScore => {
    const m = evaluate(model, xTest, yTest);
    return { accuracy: m.accuracy, macroF1: m.macroF1, logLoss: m.logLoss ?? Number.NaN, fitSeconds };
  };
  const [first, ...siblings] = task.candidates;
  if (siblings.length === 0) {
    const start = performance.now();
    const model = fitModel(task.family, xTrain, yTrain, first!, task.classLabels);
    return [score(model, (performance.now() - start) / 1000)];
  }
  if (groupByTreeCount(task.family, task.candidates).length !== 1) {
    throw new RangeError('candidates that share a fold fit must differ only in their tree count');
  }
  // Fit the largest tree count once; every candidate gets its first trees of it.
  const key = treeCountParam(task.family)!;
  const counts = task.candidates.map((c) => c[key] as number);
  const largest = task.candidates[counts.indexOf(Math.max(...counts))]!;
  const staged = fitStaged(task.family, xTrain, yTrain, largest, task.classLabels);
  return counts.map((count) => score(staged.modelAt(count), staged.secondsAt(count)));
}
