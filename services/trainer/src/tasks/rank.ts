import type { MlflowBackend } from '@covertype/mlflow';
import type { Logger } from 'pino';
import { NonRetryableError } from '../dag/run.ts';
import type { Candidate } from './train.ts';

/** Tags and metric written on each candidate's MLflow run by recordRanking. */
export const RANKING_TAGS = {
  paretoFront: 'pipeline.pareto_front',
  chosen: 'pipeline.chosen',
  accuracyTolerance: 'pipeline.accuracy_tolerance',
  /** The serving cost the ranking compared (the gate measures the winner again into the run's metrics). */
  rankedUsPerRow: 'pipeline.ranked_us_per_row_single',
} as const;
export const PARETO_METRIC = 'pareto_front';

export interface Ranking {
  /** The candidate to register. */
  chosen: Candidate;
  /** The one with the highest CV accuracy (the choice with no tolerance). */
  mostAccurate: Candidate;
  /** Candidates no other beats on both CV accuracy and serving cost, cheapest first. */
  front: Candidate[];
  all: readonly Candidate[];
  accuracyTolerance: number;
}

const cost = (c: Candidate) => c.servingCost.usPerRowSingle;
const byAccuracy = (a: Candidate, b: Candidate) =>
  b.cvAccuracy - a.cvAccuracy || b.testAccuracy - a.testAccuracy || a.runId.localeCompare(b.runId);

/** True when `b` is at least as accurate and as cheap as `a`, and strictly better on one of them. */
const dominates = (b: Candidate, a: Candidate) =>
  b.cvAccuracy >= a.cvAccuracy && cost(b) <= cost(a) && (b.cvAccuracy > a.cvAccuracy || cost(b) < cost(a));

/**
 * The held-out test table stays out of the choice: candidates are compared on CV accuracy. With no
 * tolerance the most accurate wins (test accuracy breaks ties). With a tolerance, every candidate
 * within it of the best CV accuracy is acceptable and the cheapest to serve (onnxruntime µs per row,
 * single) among them wins; the winner is then always on the accuracy–cost Pareto front.
 */
export function rankCandidates(candidates: readonly Candidate[], accuracyTolerance = 0): Ranking {
  if (candidates.length === 0) throw new NonRetryableError('no candidate model to register');
  const sorted = [...candidates].sort(byAccuracy);
  const mostAccurate = sorted[0]!;
  // A hair of slack so a tolerance equal to a difference in the data is not lost to float rounding.
  const floor = mostAccurate.cvAccuracy - accuracyTolerance - 1e-12;
  const chosen =
    accuracyTolerance > 0
      ? sorted.filter((c) => c.cvAccuracy >= floor).sort((a, b) => cost(a) - cost(b) || byAccuracy(a, b))[0]!
      : mostAccurate;
  const front = candidates
    .filter((c) => !candidates.some((other) => dominates(other, c)))
    .sort((a, b) => cost(a) - cost(b) || byAccuracy(a, b));
  return { chosen, mostAccurate, front, all: candidates, accuracyTolerance };
}

/** Marks each candidate's run: on the Pareto front or not (tag and metric), chosen or not; logs the front. */
export async function recordRanking(mlflow: MlflowBackend, ranking: Ranking, log: Logger): Promise<void> {
  for (const c of ranking.all) {
    const onFront = ranking.front.includes(c);
    await mlflow.logBatch(c.runId, {
      metrics: { [PARETO_METRIC]: onFront ? 1 : 0 },
      tags: {
        [RANKING_TAGS.paretoFront]: String(onFront),
        [RANKING_TAGS.chosen]: String(c === ranking.chosen),
        [RANKING_TAGS.accuracyTolerance]: String(ranking.accuracyTolerance),
        [RANKING_TAGS.rankedUsPerRow]: String(cost(c)),
      },
    });
  }
  log.info(
    {
      chosen: ranking.chosen.search,
      mostAccurate: ranking.mostAccurate.search,
      accuracyTolerance: ranking.accuracyTolerance,
      paretoFront: ranking.front.map((c) => ({
        search: c.search,
        cvAccuracy: c.cvAccuracy,
        usPerRowSingle: cost(c),
      })),
    },
    'candidates ranked',
  );
}

/** The front as summary lines: search, CV accuracy, µs per row; the chosen one marked. */
export function describeFront(ranking: Ranking): string[] {
  return ranking.front.map(
    (c) =>
      `  ${c === ranking.chosen ? '*' : ' '} ${c.search}: CV accuracy ${c.cvAccuracy.toFixed(4)}, ${cost(c).toFixed(1)} µs/row`,
  );
}
