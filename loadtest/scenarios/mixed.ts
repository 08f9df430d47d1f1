// Journey mix: the interactive callers of predict.ts and the bulk callers of batch.ts at once, as two
// k6 scenarios sharing the profile's rate (or VUs): BATCH_SHARE of it (default 0.1) goes to batches.
// Each has its own `journey` tag, so http_req_duration{journey:batch} separates them in the results.
import type { Options } from 'k6/options';
import { readNumber } from '../lib/env.ts';
import { buildOptions } from '../lib/profiles.ts';
import type { K6SummaryData } from '../lib/summary.ts';
import { predictBatch, predictOne } from '../runtime/clients.ts';
import { iteration, waitUntilReady, writeSummary } from '../runtime/journey.ts';

const BATCH_SHARE = readNumber(__ENV, 'BATCH_SHARE', 0.1, 0, 1);
const BATCH_SIZE = Math.round(readNumber(__ENV, 'BATCH_SIZE', 32, 1));

export const options: Options = buildOptions(__ENV, [
  { exec: 'single', journey: 'predict', share: 1 - BATCH_SHARE },
  { exec: 'bulk', journey: 'batch', share: BATCH_SHARE },
]);

export function setup() {
  return waitUntilReady();
}

export function single(): void {
  predictOne(iteration());
}

export function bulk(): void {
  predictBatch(iteration(), BATCH_SIZE);
}

export function handleSummary(data: K6SummaryData) {
  return writeSummary('mixed', data);
}
