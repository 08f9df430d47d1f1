// Journey: a client scoring one row at a time (the workshop's Locust user), optionally mixed with
// batch calls (BATCH_SHARE, default 0). k6 run -e PROFILE=stress -e BASE_URL=... scenarios/predict.ts
import type { Options } from 'k6/options';
import { buildOptions } from '../lib/profiles.ts';
import type { K6SummaryData } from '../lib/summary.ts';
import { mixed, waitUntilReady, writeSummary } from '../runtime/journey.ts';

const BATCH_SHARE = Number(__ENV['BATCH_SHARE'] || 0);

export const options: Options = buildOptions(__ENV);

export function setup() {
  return waitUntilReady();
}

export default function (): void {
  mixed(BATCH_SHARE);
}

export function handleSummary(data: K6SummaryData) {
  return writeSummary('predict', data);
}
