// Journey: the traffic of an application with both interactive and bulk callers: BATCH_SHARE of the
// calls (default 0.1) are /predict/batch, the rest single-row /predict.
import type { Options } from 'k6/options';
import { buildOptions } from '../lib/profiles.ts';
import type { K6SummaryData } from '../lib/summary.ts';
import { mixed, waitUntilReady, writeSummary } from '../runtime/journey.ts';

const BATCH_SHARE = Number(__ENV['BATCH_SHARE'] || 0.1);

export const options: Options = buildOptions(__ENV);

export function setup() {
  return waitUntilReady();
}

export default function (): void {
  mixed(BATCH_SHARE);
}

export function handleSummary(data: K6SummaryData) {
  return writeSummary('mixed', data);
}
