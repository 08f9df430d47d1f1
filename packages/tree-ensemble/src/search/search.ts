import { type FeatureMatrix, takeLabels } from '../learn/features.ts';
import type { ModelFamily } from '../learn/fit.ts';
import type { TreeEnsembleModel } from '../learn/model.ts';
import { stratifiedKFold, stratifiedSplit } from '../learn/split.ts';
import { expandCandidates } from './candidates.ts';
import { fitRandomForestParallel } from './parallel-forest.ts';
import { getPreset, type Scoring, type SearchPreset } from './presets.ts';
import { groupByTreeCount, treeCountParam } from './staged.ts';
import type { FoldScore, Task } from './tasks.ts';
import { defaultWorkers, runTasks, shared } from './worker-pool.ts';

export interface SearchOptions {
  /** k of the stratified k-fold cross-validation (default: the preset's). */
  folds?: number;
  /** Seeds the folds, the random draws and every candidate's model (default 42). */
  seed?: number;
  /** Worker threads (default: the machine's cores; ≤ 1 runs in this thread). Results do not depend on it. */
  workers?: number;
  scoring?: Scoring;
  /** Refit on all rows: the best candidate (default), every candidate, or none. */
  refit?: 'best' | 'all' | 'none';
  /** Class labels of the indexes in y (default Cover_Type 1..7). */
  classLabels?: number[];
  /** Called as (candidate, fold) fits finish. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Fit once per fold for candidates that differ only in tree count, and score each on the first
   * trees of that fit (default true). Results are identical either way; false is for tests and timing.
   */
  shareFits?: boolean;
  /** Stops the search: it rejects with the signal's reason and its worker threads are terminated. */
  signal?: AbortSignal;
}

export interface ScoreSummary {
  accuracy: number;
  macroF1: number;
  logLoss: number;
  fitSeconds: number;
}

export interface CandidateResult {
  index: number;
  family: ModelFamily;
  /** Full params of this candidate (fixed + grid point or draw + seed). */
  params: Record<string, unknown>;
  /**
   * Scores on each CV fold. Candidates that differ only in tree count share one fit per fold; their
   * fitSeconds is the time that fit took to grow this candidate's trees (see FoldScore).
   */
  folds: FoldScore[];
  mean: ScoreSummary;
  std: Omit<ScoreSummary, 'fitSeconds'>;
  /**
   * With halving: the last rung (0-based) this candidate was cross-validated in; its fold scores come
   * from that rung's share of the training rows (factor^(rung - (rungs - 1))).
   */
  rung?: number;
  /** 1 = best by the search's scoring (with halving, candidates of a later rung first). */
  rank: number;
  /** Fitted on all rows when refit covers this candidate. */
  model?: TreeEnsembleModel;
  refitSeconds?: number;
}

export interface SearchResult {
  preset: string;
  family: ModelFamily;
  scoring: Scoring;
  folds: number;
  seed: number;
  candidates: CandidateResult[];
  best: CandidateResult;
  /** The best candidate refit on all rows (absent with refit 'none'). */
  bestModel?: TreeEnsembleModel;
}

/**
 * Runs a search preset (by name or object) with stratified k-fold CV on worker threads and returns
 * every candidate with its fold scores, so a caller can log each one (e.g. as an MLflow run).
 */
export async function runSearch(
  preset: SearchPreset | string,
  x: FeatureMatrix,
  y: Uint8Array,
  options: SearchOptions = {},
): Promise<SearchResult> {
  const p = typeof preset === 'string' ? getPreset(preset) : preset;
  const seed = options.seed ?? 42;
  const k = options.folds ?? p.folds;
  const scoring = options.scoring ?? p.scoring;
  const workers = options.workers ?? defaultWorkers();
  const classLabels = options.classLabels ?? [1, 2, 3, 4, 5, 6, 7];
  const refit = options.refit ?? 'best';
  if (x.rows !== y.length) throw new RangeError(`got ${y.length} labels for ${x.rows} rows`);

  const params = expandCandidates(p, seed).map((c) => ({ seed, ...c }));
  const folds = stratifiedKFold(y, k, seed);
  const sx: FeatureMatrix = { rows: x.rows, cols: x.cols, values: shared(x.values) };
  const sy = shared(y);
  const sharedFolds = folds.map((fold) => ({ train: shared(fold.train), test: shared(fold.test) }));
  const rungs = p.halving?.rungs ?? 1;
  const factor = p.halving?.factor ?? 1;
  const survivors = (n: number) => Math.ceil(n / factor);
  let fitsPlanned = 0;
  for (let r = 0, n = params.length; r < rungs; r++, n = survivors(n)) fitsPlanned += n * k;
  let done = 0;
  const total = fitsPlanned + (refit === 'all' ? params.length : refit === 'best' ? 1 : 0);
  const progress = (fits = 1) => {
    for (let i = 0; i < fits; i++) options.onProgress?.(++done, total);
  };

  const foldScores: FoldScore[][] = params.map(() => new Array<FoldScore>(k));
  /** Cross-validates the candidates `ids` with these training rows per fold, into foldScores. */
  const crossValidate = async (ids: number[], trainOf: (f: number) => Uint32Array) => {
    const subset = ids.map((i) => params[i]!);
    const groups =
      (options.shareFits ?? true) ? groupByTreeCount(p.family, subset) : subset.map((_, j) => [j]);
    // Longest first, so the workers finish together; results are put back by candidate and fold.
    const jobs = groups
      .map((g) => ({
        group: g.map((j) => ids[j]!),
        work: expectedWork(
          p.family,
          g.map((j) => subset[j]!),
        ),
      }))
      .flatMap(({ group, work }) => sharedFolds.map((fold, f) => ({ group, work, fold, f })))
      .sort((a, b) => b.work - a.work);
    const tasks: Task[] = jobs.map(({ group, fold, f }) => ({
      type: 'cv-fold',
      family: p.family,
      candidates: group.map((i) => params[i]!),
      x: sx,
      y: sy,
      train: trainOf(f),
      test: fold.test,
      classLabels,
    }));
    const results = await runTasks(tasks, workers, (t) => progress(jobs[t]!.group.length), options.signal);
    results.forEach((r, t) => {
      if (r.type !== 'cv-fold') throw new Error(`unexpected worker result ${r.type}`);
      const { group, f } = jobs[t]!;
      group.forEach((i, m) => {
        foldScores[i]![f] = r.scores[m]!;
      });
    });
  };

  const rungOf = params.map(() => 0);
  let alive = params.map((_, i) => i);
  for (let r = 0; r < rungs; r++) {
    const fraction = factor ** (r - (rungs - 1));
    const trains =
      fraction < 1
        ? sharedFolds.map((fold, f) => shared(rowsFraction(fold.train, y, fraction, seed + r * k + f)))
        : sharedFolds.map((fold) => fold.train);
    await crossValidate(alive, (f) => trains[f]!);
    for (const i of alive) rungOf[i] = r;
    if (r < rungs - 1) {
      const means = new Map(alive.map((i) => [i, meanOf(foldScores[i]!)]));
      alive = [...alive]
        .sort((a, b) => compareScores(scoring, means.get(a)!, means.get(b)!) || a - b)
        .slice(0, survivors(alive.length));
    }
  }

  const candidates: CandidateResult[] = params.map((candidate, i) => {
    const fs = foldScores[i]!;
    return {
      index: i,
      family: p.family,
      params: candidate,
      folds: fs,
      ...(p.halving ? { rung: rungOf[i]! } : {}),
      mean: { ...meanOf(fs), fitSeconds: mean(fs.map((f) => f.fitSeconds)) },
      std: {
        accuracy: std(fs.map((f) => f.accuracy)),
        macroF1: std(fs.map((f) => f.macroF1)),
        logLoss: std(fs.map((f) => f.logLoss)),
      },
      rank: 0,
    };
  });
  // Candidates that reached a later rung rank above the others (scored on more rows), as scikit-learn does.
  const better = (a: CandidateResult, b: CandidateResult) =>
    (b.rung ?? 0) - (a.rung ?? 0) || compareScores(scoring, a.mean, b.mean) || a.index - b.index;
  [...candidates].sort(better).forEach((c, r) => {
    c.rank = r + 1;
  });
  const best = candidates.find((c) => c.rank === 1)!;

  const toRefit = refit === 'all' ? candidates : refit === 'best' ? [best] : [];
  if (p.family === 'random-forest' && toRefit.length === 1 && workers > 1) {
    // One forest to refit: grow its trees on all workers (same model as one worker would grow).
    const start = performance.now();
    best.model = await fitRandomForestParallel(sx, sy, best.params, {
      workers,
      classLabels,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    best.refitSeconds = (performance.now() - start) / 1000;
    progress();
    return {
      preset: p.name,
      family: p.family,
      scoring,
      folds: k,
      seed,
      candidates,
      best,
      bestModel: best.model,
    };
  }
  const fits = await runTasks(
    toRefit.map((c) => ({ type: 'fit', family: p.family, params: c.params, x: sx, y: sy, classLabels })),
    workers,
    () => progress(),
    options.signal,
  );
  fits.forEach((r, i) => {
    if (r.type !== 'fit') throw new Error(`unexpected worker result ${r.type}`);
    toRefit[i]!.model = r.model;
    toRefit[i]!.refitSeconds = r.fitSeconds;
  });
  return {
    preset: p.name,
    family: p.family,
    scoring,
    folds: k,
    seed,
    candidates,
    best,
    ...(best.model ? { bestModel: best.model } : {}),
  };
}

/** Rough relative cost of one fold fit (trees × levels), only to order the tasks. */
function expectedWork(family: SearchPreset['family'], group: Record<string, unknown>[]): number {
  const key = treeCountParam(family);
  const trees = Math.max(...group.map((c) => (key && typeof c[key] === 'number' ? c[key] : 100)));
  const c = group[0]!;
  const depth = typeof c.maxDepth === 'number' ? c.maxDepth : 16;
  const leafLevels = typeof c.maxLeaves === 'number' ? Math.log2(c.maxLeaves) : depth;
  return trees * Math.min(depth, leafLevels);
}

/** Negative when `a` scores better; NaN scores compare equal. */
function compareScores(
  scoring: Scoring,
  a: Omit<ScoreSummary, 'fitSeconds'>,
  b: Omit<ScoreSummary, 'fitSeconds'>,
) {
  const d = scoring === 'logLoss' ? a.logLoss - b.logLoss : b[scoring] - a[scoring];
  return d !== 0 && !Number.isNaN(d) ? d : 0;
}

function meanOf(fs: FoldScore[]): Omit<ScoreSummary, 'fitSeconds'> {
  return {
    accuracy: mean(fs.map((f) => f.accuracy)),
    macroF1: mean(fs.map((f) => f.macroF1)),
    logLoss: mean(fs.map((f) => f.logLoss)),
  };
}

/** A stratified `fraction` of the rows `train` (ascending), drawn from the seed. */
function rowsFraction(train: Uint32Array, y: Uint8Array, fraction: number, seed: number): Uint32Array {
  const picked = stratifiedSplit(takeLabels(y, train), fraction, seed).test;
  return Uint32Array.from(picked, (j) => train[j]!).sort();
}

function mean(a: number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}

function std(a: number[]): number {
  const m = mean(a);
  return Math.sqrt(a.reduce((s, v) => s + (v - m) * (v - m), 0) / a.length);
}
