// Checks on the inference API's answers, as plain predicates over a minimal response shape so that
// node:test can exercise them; the k6 scripts pass them to check().

export interface ResponseLike {
  status: number;
  body: unknown;
}

/** The body parsed as JSON, or undefined when it is not JSON. */
export function json(r: ResponseLike): unknown {
  if (typeof r.body !== 'string') return undefined;
  try {
    return JSON.parse(r.body);
  } catch {
    return undefined;
  }
}

const isDistribution = (probs: unknown): boolean =>
  Array.isArray(probs) &&
  probs.length === 7 &&
  probs.every((x) => typeof x === 'number' && x >= 0 && x <= 1) &&
  Math.abs((probs as number[]).reduce((a, b) => a + b, 0) - 1) < 1e-3;

const isClass = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 7;

/** A /predict answer: a Cover_Type 1..7 and seven probabilities that sum to ~1. */
export function isPrediction(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as { Cover_Type?: unknown; probabilities?: unknown };
  const probs =
    p.probabilities && typeof p.probabilities === 'object' && !Array.isArray(p.probabilities)
      ? Object.values(p.probabilities)
      : p.probabilities;
  return isClass(p.Cover_Type) && isDistribution(probs);
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

/** POST /invocations (MLflow): {predictions: {label: [N], probabilities: [N][7]}}. */
export function invocationsChecks(size: number) {
  return {
    'invocations: status 200': (r: ResponseLike) => r.status === 200,
    [`invocations: ${size} labels and distributions`]: (r: ResponseLike) => {
      const p = (json(r) as { predictions?: { label?: unknown; probabilities?: unknown } } | undefined)
        ?.predictions;
      const labels = p?.label;
      const probs = p?.probabilities;
      return (
        Array.isArray(labels) &&
        labels.length === size &&
        labels.every(isClass) &&
        Array.isArray(probs) &&
        probs.length === size &&
        probs.every(isDistribution)
      );
    },
  };
}

interface V2Output {
  name?: unknown;
  shape?: unknown;
  data?: unknown;
}

/** POST /v2/models/{name}/infer: a label [N] INT64 output and a probabilities [N,7] output. */
export function v2Checks(size: number) {
  return {
    'v2 infer: status 200': (r: ResponseLike) => r.status === 200,
    [`v2 infer: label [${size}] and probabilities [${size},7]`]: (r: ResponseLike) => {
      const outputs = (json(r) as { outputs?: V2Output[] } | undefined)?.outputs;
      if (!Array.isArray(outputs)) return false;
      const label = outputs.find((o) => o.name === 'label')?.data;
      const probs = outputs.find((o) => o.name === 'probabilities')?.data;
      if (!Array.isArray(label) || label.length !== size || !label.every(isClass)) return false;
      if (!Array.isArray(probs) || probs.length !== size * 7) return false;
      for (let i = 0; i < size; i++) if (!isDistribution(probs.slice(i * 7, i * 7 + 7))) return false;
      return true;
    },
  };
}

export interface ServedModel {
  name: string;
  version: string | null;
  /** What a client sends as ?model= to get this version: name/version from a registry, else the name. */
  ref: string;
}

/** The model GET /models says this replica serves by default (the one /predict uses without ?model=). */
export function servedModel(value: unknown): ServedModel | undefined {
  const loaded = (value as { loaded?: unknown } | undefined)?.loaded;
  if (!Array.isArray(loaded)) return undefined;
  const m = loaded.find((x) => (x as { default?: unknown })?.default === true) as
    | { name?: unknown; version?: unknown; source?: unknown }
    | undefined;
  if (typeof m?.name !== 'string') return undefined;
  const version = typeof m.version === 'string' ? m.version : null;
  // A folder model has no registry behind it to look a version up in: only its name reaches it.
  const ref = m.source !== 'folder' && version !== null ? `${m.name}/${version}` : m.name;
  return { name: m.name, version, ref };
}

export const modelsChecks = {
  'models: status 200': (r: ResponseLike) => r.status === 200,
  'models: a default model is loaded': (r: ResponseLike) => servedModel(json(r)) !== undefined,
};

/** A /predict answer from the model the client pinned (a promotion between the two calls fails it). */
export function pinnedPredictChecks(model: ServedModel) {
  return {
    ...predictChecks,
    'predict: answered by the version /models named': (r: ResponseLike) => {
      const p = json(r) as { model?: unknown; version?: unknown } | undefined;
      return p?.model === model.name && (p?.version ?? null) === model.version;
    },
  };
}
