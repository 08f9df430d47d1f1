import { evaluate } from './evaluate.ts';
import { type FeatureMatrix, takeLabels, takeRows } from './features.ts';
import { fitModel, type ModelFamily } from './fit.ts';
import type { Tree, TreeEnsembleModel } from './model.ts';
import { fitForestTree, RANDOM_FOREST_DEFAULTS, type RandomForestParams } from './random-forest.ts';
import { fitValueCodes } from './value-codes.ts';

/** Work that runs the same in the main thread or in a worker (everything here is structured-cloneable). */
export type Task =
  | {
      type: 'cv-fold';
      family: ModelFamily;
      params: Record<string, unknown>;
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
  fitSeconds: number;
}

export type TaskResult =
  | { type: 'cv-fold'; score: FoldScore }
  | { type: 'fit'; model: TreeEnsembleModel; fitSeconds: number }
  | { type: 'forest-trees'; trees: Tree[] };

export function runTask(task: Task): TaskResult {
  switch (task.type) {
    case 'cv-fold': {
      const start = performance.now();
      const model = fitModel(
        task.family,
        takeRows(task.x, task.train),
        takeLabels(task.y, task.train),
        task.params,
        task.classLabels,
      );
      const fitSeconds = (performance.now() - start) / 1000;
      const m = evaluate(model, takeRows(task.x, task.test), takeLabels(task.y, task.test));
      return {
        type: 'cv-fold',
        score: { accuracy: m.accuracy, macroF1: m.macroF1, logLoss: m.logLoss ?? Number.NaN, fitSeconds },
      };
    }
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
