// Journey: a KServe / Triton client speaking the Open Inference Protocol (V2). setup() finds the model
// (MODEL_NAME, or the one GET /models says is served) and checks GET /v2/models/{name}/ready; every
// iteration then sends BATCH_SIZE rows (default 1) as V2 tensors to POST /v2/models/{name}/infer.
import { fail } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { readNumber } from '../lib/env.ts';
import { buildOptions } from '../lib/profiles.ts';
import type { K6SummaryData } from '../lib/summary.ts';
import { discoverModel, v2Infer } from '../runtime/clients.ts';
import { BASE_URL, iteration, waitUntilReady, writeSummary } from '../runtime/journey.ts';

const BATCH_SIZE = Math.round(readNumber(__ENV, 'BATCH_SIZE', 1, 1));

export const options: Options = buildOptions(__ENV, [{ exec: 'default', journey: 'kserve-v2', share: 1 }]);

export function setup() {
  const ready = waitUntilReady();
  const name = __ENV['MODEL_NAME'] || discoverModel()?.name;
  if (!name) fail(`${BASE_URL}/models names no served model; set MODEL_NAME`);
  const res = http.get(`${BASE_URL}/v2/models/${encodeURIComponent(name)}/ready`, {
    tags: { name: 'GET /v2/models/{name}/ready' },
  });
  if (res.status !== 200) fail(`${BASE_URL}/v2/models/${name}/ready answered ${res.status}: ${res.body}`);
  return { ...ready, model: name };
}

export default function (data: { model: string }): void {
  v2Infer(iteration(), BATCH_SIZE, data.model);
}

export function handleSummary(data: K6SummaryData) {
  return writeSummary('kserve-v2', data);
}
