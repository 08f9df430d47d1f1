// Journey: a bulk scorer sending BATCH_SIZE consecutive rows (default 32) per POST /predict/batch.
import type { Options } from 'k6/options';
import { readNumber } from '../lib/env.ts';
import { buildOptions } from '../lib/profiles.ts';
import type { K6SummaryData } from '../lib/summary.ts';
import { predictBatch } from '../runtime/clients.ts';
import { iteration, waitUntilReady, writeSummary } from '../runtime/journey.ts';

const BATCH_SIZE = Math.round(readNumber(__ENV, 'BATCH_SIZE', 32, 1));

export const options: Options = buildOptions(__ENV, [{ exec: 'default', journey: 'batch', share: 1 }]);

export function setup() {
  return waitUntilReady();
}

export default function (): void {
  predictBatch(iteration(), BATCH_SIZE);
}

export function handleSummary(data: K6SummaryData) {
  return writeSummary('batch', data);
}
