// Journey: a client that follows the model registry. It reads GET /models to learn which model and
// version the API serves, then pins its POST /predict calls to that version (?model=name/version; the
// name alone for a model served from a folder) and checks every answer came from it. It reads /models
// again every MODELS_EVERY iterations (default 50), so a promoted champion is picked up, and at once
// after a failed answer.
import type { Options } from 'k6/options';
import type { ServedModel } from '../lib/checks.ts';
import { readNumber } from '../lib/env.ts';
import { buildOptions } from '../lib/profiles.ts';
import type { K6SummaryData } from '../lib/summary.ts';
import { discoverModel, predictOne } from '../runtime/clients.ts';
import { iteration, waitUntilReady, writeSummary } from '../runtime/journey.ts';

const MODELS_EVERY = Math.round(readNumber(__ENV, 'MODELS_EVERY', 50, 1));

export const options: Options = buildOptions(__ENV, [
  { exec: 'default', journey: 'registry-client', share: 1 },
]);

// Per VU: each k6 VU has its own copy of module state, as each real client has its own cache.
let model: ServedModel | undefined;
let sinceDiscovery = 0;

export function setup() {
  return waitUntilReady();
}

export default function (): void {
  if (model === undefined || sinceDiscovery >= MODELS_EVERY) {
    model = discoverModel();
    sinceDiscovery = 0;
    if (model === undefined) return;
  }
  sinceDiscovery++;
  if (!predictOne(iteration(), model)) model = undefined;
}

export function handleSummary(data: K6SummaryData) {
  return writeSummary('registry-client', data);
}
