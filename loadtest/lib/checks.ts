// Checks on the inference API's answers, as plain predicates over a minimal response shape so that
// node:test can exercise them; the k6 scripts pass them to check().

export interface ResponseLike {
  status: number;
  body: unknown;
}

function json(r: ResponseLike): unknown {
  if (typeof r.body !== 'string') return undefined;
  try {
    return JSON.parse(r.body);
  } catch {
    return undefined;
  }
}

/** A /predict answer: a Cover_Type 1..7 and seven probabilities that sum to ~1. */
export function isPrediction(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as { Cover_Type?: unknown; probabilities?: unknown };
  if (typeof p.Cover_Type !== 'number' || !Number.isInteger(p.Cover_Type)) return false;
  if (p.Cover_Type < 1 || p.Cover_Type > 7) return false;
  const probs = Array.isArray(p.probabilities)
    ? p.probabilities
    : p.probabilities && typeof p.probabilities === 'object'
      ? Object.values(p.probabilities)
      : undefined;
  if (probs?.length !== 7 || !probs.every((x) => typeof x === 'number')) return false;
  const sum = (probs as number[]).reduce((a, b) => a + b, 0);
  return Math.abs(sum - 1) < 1e-3;
}

/** The predictions array of a /predict/batch answer, whether it is the body itself or under a key. */
export function batchPredictions(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of ['predictions', 'results', 'rows']) {
    const list = (value as Record<string, unknown>)[key];
    if (Array.isArray(list)) return list;
  }
  return undefined;
}

export const predictChecks = {
  'predict: status 200': (r: ResponseLike) => r.status === 200,
  'predict: Cover_Type and 7 probabilities': (r: ResponseLike) => isPrediction(json(r)),
};

export function batchChecks(size: number) {
  return {
    'batch: status 200': (r: ResponseLike) => r.status === 200,
    [`batch: ${size} predictions`]: (r: ResponseLike) => {
      const list = batchPredictions(json(r));
      return list !== undefined && list.length === size && list.every(isPrediction);
    },
  };
}
