// The calls a client of the inference API makes, one function per protocol request, each recorded with
// its checks. The journeys in scenarios/ put them together; the rows come from the serving CSV.
import { group } from 'k6';
import http from 'k6/http';
import {
  batchChecks,
  invocationsChecks,
  json,
  modelsChecks,
  pinnedPredictChecks,
  predictChecks,
  type ServedModel,
  servedModel,
  v2Checks,
} from '../lib/checks.ts';
import { buildBatch, csvBody, dataframeSplit, pickRow, v2InferRequest } from '../lib/payloads.ts';
import { rows } from './data.ts';
import { BASE_URL, JSON_HEADERS, record } from './journey.ts';

/** POST /predict with the row for this iteration; with `model`, pinned to it by ?model=. */
export function predictOne(i: number, model?: ServedModel): boolean {
  const query = model ? `?model=${encodeURIComponent(model.ref)}` : '';
  const res = http.post(`${BASE_URL}/predict${query}`, JSON.stringify(pickRow(rows, i)), {
    headers: JSON_HEADERS,
    tags: { name: 'POST /predict', endpoint: 'predict' },
  });
  return record(res, model ? pinnedPredictChecks(model) : predictChecks, 1, 'predict');
}

/** POST /predict/batch with `size` consecutive rows. */
export function predictBatch(i: number, size: number): boolean {
  const res = http.post(`${BASE_URL}/predict/batch`, JSON.stringify(buildBatch(rows, i, size)), {
    headers: JSON_HEADERS,
    tags: { name: 'POST /predict/batch', endpoint: 'batch' },
  });
  return record(res, batchChecks(size), size, 'batch');
}

export const INVOCATION_FORMATS = ['dataframe_split', 'csv'] as const;
export type InvocationFormat = (typeof INVOCATION_FORMATS)[number];

/** POST /invocations as an MLflow client sends it: a pandas dataframe_split JSON body, or text/csv. */
export function invocations(i: number, size: number, format: InvocationFormat): boolean {
  const batch = buildBatch(rows, i, size).rows;
  const res =
    format === 'csv'
      ? http.post(`${BASE_URL}/invocations`, csvBody(batch), {
          headers: { 'Content-Type': 'text/csv' },
          tags: { name: 'POST /invocations (csv)', endpoint: 'invocations' },
        })
      : http.post(`${BASE_URL}/invocations`, JSON.stringify(dataframeSplit(batch)), {
          headers: JSON_HEADERS,
          tags: { name: 'POST /invocations (dataframe_split)', endpoint: 'invocations' },
        });
  return record(res, invocationsChecks(size), size, 'invocations');
}

/** GET /models: the model this replica serves by default, or undefined (the checks record why). */
export function discoverModel(): ServedModel | undefined {
  return group('discover the served model', () => {
    const res = http.get(`${BASE_URL}/models`, { tags: { name: 'GET /models', endpoint: 'models' } });
    if (!record(res, modelsChecks, 0, 'models')) return undefined;
    return servedModel(json(res));
  });
}

/** POST /v2/models/{name}/infer with `size` consecutive rows as V2 tensors. */
export function v2Infer(i: number, size: number, model: string): boolean {
  const body = v2InferRequest(buildBatch(rows, i, size).rows, `k6-${i}`);
  const res = http.post(`${BASE_URL}/v2/models/${encodeURIComponent(model)}/infer`, JSON.stringify(body), {
    headers: JSON_HEADERS,
    tags: { name: 'POST /v2/models/{name}/infer', endpoint: 'v2' },
  });
  return record(res, v2Checks(size), size, 'v2');
}
