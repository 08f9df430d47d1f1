// Journey: an interactive application scoring one row per request on POST /predict (the workshop's
// Locust user). k6 run -e PROFILE=load -e RATE=800 -e BASE_URL=http://localhost:8989 scenarios/predict.ts
import type { Options } from 'k6/options';
import { buildOptions } from '../lib/profiles.ts';
import type { K6SummaryData } from '../lib/summary.ts';
import { predictOne } from '../runtime/clients.ts';
import { iteration, waitUntilReady, writeSummary } from '../runtime/journey.ts';

export const options: Options = buildOptions(__ENV, [{ exec: 'default', journey: 'predict', share: 1 }]);

export function setup() {
  return waitUntilReady();
}

export default function (): void {
  predictOne(iteration());
}

export function handleSummary(data: K6SummaryData) {
  return writeSummary('predict', data);
}
