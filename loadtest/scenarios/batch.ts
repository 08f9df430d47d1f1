// Journey: a batch client scoring BATCH_SIZE rows per call (default 32) on POST /predict/batch.
import type { Options } from 'k6/options';
import { buildOptions } from '../lib/profiles.ts';
import type { K6SummaryData } from '../lib/summary.ts';
import { mixed, waitUntilReady, writeSummary } from '../runtime/journey.ts';

export const options: Options = buildOptions(__ENV);

export function setup() {
  return waitUntilReady();
}

export default function (): void {
  mixed(1);
}

export function handleSummary(data: K6SummaryData) {
  return writeSummary('batch', data);
}
