// Journey: a client written for `mlflow models serve`: it waits for GET /ping, then scores BATCH_SIZE
// rows (default 32) per POST /invocations, as pandas' dataframe_split JSON or as text/csv (FORMAT).
import { fail } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { readChoice, readNumber } from '../lib/env.ts';
import { buildOptions } from '../lib/profiles.ts';
import type { K6SummaryData } from '../lib/summary.ts';
import { INVOCATION_FORMATS, invocations } from '../runtime/clients.ts';
import { BASE_URL, iteration, waitUntilReady, writeSummary } from '../runtime/journey.ts';

const BATCH_SIZE = Math.round(readNumber(__ENV, 'BATCH_SIZE', 32, 1));
const FORMAT = readChoice(__ENV, 'FORMAT', INVOCATION_FORMATS, 'dataframe_split');

export const options: Options = buildOptions(__ENV, [
  { exec: 'default', journey: 'mlflow-client', share: 1 },
]);

export function setup() {
  const ready = waitUntilReady();
  // MLflow's own readiness route: a client that only knows MLflow checks this one.
  const ping = http.get(`${BASE_URL}/ping`, { tags: { name: 'GET /ping' } });
  if (ping.status !== 200) fail(`${BASE_URL}/ping answered ${ping.status}: the MLflow routes are not served`);
  return { ...ready, format: FORMAT };
}

export default function (): void {
  invocations(iteration(), BATCH_SIZE, FORMAT);
}

export function handleSummary(data: K6SummaryData) {
  return writeSummary('mlflow-client', data);
}
