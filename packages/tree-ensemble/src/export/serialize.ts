import type { ModelKind, Tree, TreeEnsembleModel } from '../learn/model.ts';

export const MODEL_FORMAT = 'covertype-tree-ensemble';
export const MODEL_FORMAT_VERSION = 1;

export interface TreeJson {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  missingLeft: number[];
  classId: number;
  values: number[];
}

export interface ModelJson extends Omit<TreeEnsembleModel, 'trees'> {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  trees: TreeJson[];
}

/** A plain-JSON copy of the model (float32 values survive the round trip exactly). */
export function modelToJson(model: TreeEnsembleModel): ModelJson {
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    ...model,
    trees: model.trees.map((t) => ({
      feature: Array.from(t.feature),
      threshold: Array.from(t.threshold),
      left: Array.from(t.left),
      right: Array.from(t.right),
      missingLeft: Array.from(t.missingLeft),
      classId: t.classId,
      values: Array.from(t.values),
    })),
  };
}

export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

/** Reads a model written by modelToJson, checking its shape so a wrong file fails with a clear message. */
export function modelFromJson(json: unknown): TreeEnsembleModel {
  const fail = (what: string): never => {
    throw new ModelFormatError(`not a ${MODEL_FORMAT} v${MODEL_FORMAT_VERSION} model: ${what}`);
  };
  if (typeof json !== 'object' || json === null) return fail(`got ${json === null ? 'null' : typeof json}`);
  const m = json as Partial<ModelJson>;
  if (m.format !== MODEL_FORMAT) fail(`format is ${JSON.stringify(m.format)}`);
  if (m.version !== MODEL_FORMAT_VERSION) fail(`version is ${JSON.stringify(m.version)}`);
  if (m.kind !== 'gradient-boosting' && m.kind !== 'random-forest') fail(`kind is ${JSON.stringify(m.kind)}`);
  if (!Array.isArray(m.classLabels) || m.classLabels.length < 2) fail('classLabels must list the classes');
  const K = m.classLabels!.length;
  if (!Array.isArray(m.baseValues) || m.baseValues.length !== K) fail(`baseValues must have ${K} entries`);
  if (!Array.isArray(m.featureNames)) fail('featureNames is missing');
  if (m.postTransform !== 'SOFTMAX' && m.postTransform !== 'NONE') {
    fail(`postTransform is ${JSON.stringify(m.postTransform)}`);
  }
  if (!Array.isArray(m.trees)) fail('trees is missing');
  const trees: Tree[] = m.trees!.map((t, i) => {
    const n = t?.feature?.length ?? 0;
    if (n === 0) fail(`tree ${i} has no nodes`);
    for (const key of ['threshold', 'left', 'right', 'missingLeft'] as const) {
      if (t[key]?.length !== n) fail(`tree ${i}: ${key} has ${t[key]?.length} entries, expected ${n}`);
    }
    const per = t.classId >= 0 ? 1 : K;
    if (t.values?.length !== n * per)
      fail(`tree ${i}: values has ${t.values?.length} entries, expected ${n * per}`);
    for (let j = 0; j < n; j++) {
      if (t.feature[j]! >= 0 && !(t.left[j]! > j && t.right[j]! > j && t.left[j]! < n && t.right[j]! < n)) {
        fail(`tree ${i}: node ${j} points outside the tree`);
      }
    }
    return {
      feature: Int32Array.from(t.feature),
      threshold: Float32Array.from(t.threshold),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      missingLeft: Uint8Array.from(t.missingLeft),
      classId: t.classId,
      values: Float32Array.from(t.values),
    };
  });
  return {
    kind: m.kind as ModelKind,
    classLabels: [...m.classLabels!],
    featureNames: [...m.featureNames!],
    baseValues: [...m.baseValues!],
    postTransform: m.postTransform!,
    trees,
    params: { ...(m.params ?? {}) },
    ...(m.rounds === undefined ? {} : { rounds: m.rounds }),
  };
}
