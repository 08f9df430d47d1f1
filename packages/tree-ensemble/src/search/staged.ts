import type { FeatureMatrix } from '../learn/features.ts';
import type { ModelFamily } from '../learn/fit.ts';
import { fitGradientBoosting, type GradientBoostingParams } from '../learn/gradient-boosting.ts';
import type { TreeEnsembleModel } from '../learn/model.ts';
import { assembleForest, growForestTrees, type RandomForestParams } from '../learn/random-forest.ts';

/*
 * Staged fits: candidates whose params differ only in the number of trees share one fit of the
 * largest, and each is scored on the first trees of it. This is exact, not an approximation:
 * - boosting without early stopping: round r depends only on the rounds before it (the subsample
 *   draws come per round from one seeded Rng, the learning rate is constant, the base values come from
 *   the labels), and trees are stored round by round (K per round), so the first n·K trees and the
 *   same base values are the n-round model;
 * - forests: tree t depends only on (seed, t), and assembleForest scales each unscaled tree by 1/n, so
 *   the first n unscaled trees, assembled, are the n-tree forest bit for bit.
 * With early stopping the rounds kept depend on the rounds after them: those candidates are fit alone.
 */

/** The param that holds a family's number of trees (boosting: rounds of K trees). */
export function treeCountParam(family: ModelFamily): 'rounds' | 'nEstimators' | undefined {
  if (family === 'gradient-boosting') return 'rounds';
  if (family === 'random-forest') return 'nEstimators';
  return undefined;
}

/** Whether a candidate's model can be cut from a longer fit of otherwise equal params. */
export function canShareFit(family: ModelFamily, params: Record<string, unknown>): boolean {
  const key = treeCountParam(family);
  if (!key || params.earlyStopping) return false;
  const count = params[key];
  return Number.isInteger(count) && (count as number) >= 1;
}

/**
 * Candidate indexes grouped so that each group can share one fit (equal params except the tree
 * count); groups and their members keep candidate order. Candidates that cannot share are alone.
 */
export function groupByTreeCount(
  family: ModelFamily,
  candidates: readonly Record<string, unknown>[],
): number[][] {
  const key = treeCountParam(family);
  const groups: number[][] = [];
  candidates.forEach((params, i) => {
    const group =
      key && canShareFit(family, params)
        ? groups.find(
            (g) => canShareFit(family, candidates[g[0]!]!) && sameExcept(candidates[g[0]!]!, params, key),
          )
        : undefined;
    if (group) group.push(i);
    else groups.push([i]);
  });
  return groups;
}

function sameExcept(a: Record<string, unknown>, b: Record<string, unknown>, key: string): boolean {
  const keys = Object.keys(a).filter((k) => k !== key);
  const others = Object.keys(b).filter((k) => k !== key);
  return keys.length === others.length && keys.every((k) => Object.hasOwn(b, k) && Object.is(a[k], b[k]));
}

/** One fit at a group's largest tree count, from which every smaller count is cut. */
export interface StagedFit {
  /** The model with the first `count` trees (boosting: rounds), identical to fitting it with that count. */
  modelAt(count: number): TreeEnsembleModel;
  /** Seconds from the start of the fit until its first `count` trees (rounds) were grown. */
  secondsAt(count: number): number;
}

/** Fits `params` (the largest tree count of a group) once; see the comment at the top for why cuts are exact. */
export function fitStaged(
  family: ModelFamily,
  x: FeatureMatrix,
  y: Uint8Array,
  params: Record<string, unknown>,
  classLabels?: readonly number[],
): StagedFit {
  if (!canShareFit(family, params)) {
    throw new RangeError(
      `a ${family} fit with these params cannot be staged (early stopping or no tree count)`,
    );
  }
  const max = params[treeCountParam(family)!] as number;
  const start = performance.now();
  const grownAt: number[] = [];
  const mark = () => grownAt.push((performance.now() - start) / 1000);
  const options = classLabels ? { classLabels } : {};
  const check = (count: number) => {
    if (!(Number.isInteger(count) && count >= 1 && count <= max)) {
      throw new RangeError(`tree count ${count} is outside the staged fit's 1..${max}`);
    }
    return count;
  };
  const secondsAt = (count: number) => grownAt[check(count) - 1]!;
  if (family === 'gradient-boosting') {
    const full = fitGradientBoosting(x, y, params as Partial<GradientBoostingParams>, {
      ...options,
      onRound: mark,
    });
    return { modelAt: (count) => firstRounds(full, check(count)), secondsAt };
  }
  const grown = growForestTrees(x, y, params as Partial<RandomForestParams>, { ...options, onTree: mark });
  return {
    // assembleForest scales the leaves in place: give it copies, so every count starts from the same trees.
    modelAt: (count) =>
      assembleForest(
        grown.trees.slice(0, check(count)).map((tree) => ({ ...tree, values: tree.values.slice() })),
        { ...grown.params, nEstimators: count },
        grown.classLabels,
      ),
    secondsAt,
  };
}

/** A boosting model cut to its first rounds: K class trees per round, base values unchanged. */
function firstRounds(model: TreeEnsembleModel, rounds: number): TreeEnsembleModel {
  const K = model.classLabels.length;
  return { ...model, trees: model.trees.slice(0, rounds * K), params: { ...model.params, rounds }, rounds };
}
