import { MODEL_INPUT_NAMES, MODEL_OUTPUT_NAMES, NUMERIC_FEATURE_NAMES, SOIL_TYPES } from '@covertype/schema';
import { N_FEATURES, WILDERNESS_KEYS } from '../learn/features.ts';
import type { TreeEnsembleModel } from '../learn/model.ts';
import { attr, ElemType, encodeModel, tensorValue } from './onnx-proto.ts';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
export const ONNX_ML_OPSET = 3;

export interface ExportOptions {
  /** Stored in the graph's doc string and metadata (e.g. the MLflow run id). */
  description?: string;
  metadata?: Record<string, string>;
}

/**
 * Writes the model as ONNX (IR 8, opset 17, ai.onnx.ml 3) following the contract in @covertype/schema
 * model-io: raw inputs `numeric` float[N,10], `Wilderness_Area` string[N,1], `Soil_Type` int64[N,1];
 * outputs `label` int64[N] (Cover_Type) and `probabilities` float[N,7]. Two LabelEncoders turn the
 * categories into the learner's codes (unknown or missing → NaN) before one TreeEnsembleClassifier.
 */
export function exportOnnx(model: TreeEnsembleModel, options: ExportOptions = {}): Uint8Array {
  const K = model.classLabels.length;
  if (model.featureNames.length !== N_FEATURES) {
    throw new RangeError(
      `model has ${model.featureNames.length} features; the ONNX layout expects ${N_FEATURES} (10 numeric + 2 categories)`,
    );
  }
  if (K < 3)
    throw new RangeError(`model has ${K} classes; the exporter writes multiclass models (≥ 3 classes)`);

  const nodesTree: number[] = [];
  const nodesId: number[] = [];
  const nodesFeature: number[] = [];
  const nodesMode: string[] = [];
  const nodesValue: number[] = [];
  const nodesTrue: number[] = [];
  const nodesFalse: number[] = [];
  const nodesMissing: number[] = [];
  const classTree: number[] = [];
  const classNode: number[] = [];
  const classId: number[] = [];
  const classWeight: number[] = [];
  model.trees.forEach((tree, t) => {
    const n = tree.feature.length;
    for (let i = 0; i < n; i++) {
      nodesTree.push(t);
      nodesId.push(i);
      const f = tree.feature[i]!;
      if (f >= 0) {
        nodesFeature.push(f);
        nodesMode.push('BRANCH_LEQ');
        nodesValue.push(tree.threshold[i]!);
        nodesTrue.push(tree.left[i]!);
        nodesFalse.push(tree.right[i]!);
        nodesMissing.push(tree.missingLeft[i]!);
        continue;
      }
      nodesFeature.push(0);
      nodesMode.push('LEAF');
      nodesValue.push(0);
      nodesTrue.push(0);
      nodesFalse.push(0);
      nodesMissing.push(0);
      if (tree.classId >= 0) {
        classTree.push(t);
        classNode.push(i);
        classId.push(tree.classId);
        classWeight.push(tree.values[i]!);
      } else {
        // Zero votes are left out: base_values (zeros for forests) keep every class scored.
        for (let c = 0; c < K; c++) {
          const w = tree.values[i * K + c]!;
          if (w === 0) continue;
          classTree.push(t);
          classNode.push(i);
          classId.push(c);
          classWeight.push(w);
        }
      }
    }
  });

  const ml = 'ai.onnx.ml';
  const nodes = [
    {
      name: 'wilderness_encoder',
      opType: 'LabelEncoder',
      domain: ml,
      input: [MODEL_INPUT_NAMES.wilderness],
      output: ['wilderness_code'],
      attribute: [
        attr.strings(
          'keys_strings',
          WILDERNESS_KEYS.map(([name]) => name),
        ),
        attr.floats(
          'values_floats',
          WILDERNESS_KEYS.map(([, code]) => code),
        ),
        attr.float('default_float', Number.NaN),
      ],
    },
    {
      name: 'soil_encoder',
      opType: 'LabelEncoder',
      domain: ml,
      input: [MODEL_INPUT_NAMES.soil],
      output: ['soil_code'],
      attribute: [
        attr.ints('keys_int64s', SOIL_TYPES),
        attr.floats('values_floats', SOIL_TYPES),
        attr.float('default_float', Number.NaN),
      ],
    },
    {
      name: 'features',
      opType: 'Concat',
      domain: '',
      input: [MODEL_INPUT_NAMES.numeric, 'wilderness_code', 'soil_code'],
      output: ['features'],
      attribute: [attr.int('axis', 1)],
    },
    {
      name: 'tree_ensemble',
      opType: 'TreeEnsembleClassifier',
      domain: ml,
      input: ['features'],
      output: [MODEL_OUTPUT_NAMES.label, MODEL_OUTPUT_NAMES.probabilities],
      attribute: [
        attr.ints('nodes_treeids', nodesTree),
        attr.ints('nodes_nodeids', nodesId),
        attr.ints('nodes_featureids', nodesFeature),
        attr.strings('nodes_modes', nodesMode),
        attr.floats('nodes_values', nodesValue),
        attr.ints('nodes_truenodeids', nodesTrue),
        attr.ints('nodes_falsenodeids', nodesFalse),
        attr.ints('nodes_missing_value_tracks_true', nodesMissing),
        attr.ints('class_treeids', classTree),
        attr.ints('class_nodeids', classNode),
        attr.ints('class_ids', classId),
        attr.floats('class_weights', classWeight),
        attr.ints('classlabels_int64s', model.classLabels),
        attr.floats('base_values', model.baseValues),
        attr.string('post_transform', model.postTransform),
      ],
    },
  ];

  const metadata: Record<string, string> = {
    model_kind: model.kind,
    class_labels: JSON.stringify(model.classLabels),
    feature_names: JSON.stringify(model.featureNames),
    numeric_features: JSON.stringify(NUMERIC_FEATURE_NAMES),
    trees: String(model.trees.length),
    ...options.metadata,
  };
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    producerName: '@covertype/tree-ensemble',
    producerVersion: '0.1.0',
    docString: options.description ?? '',
    opsetImport: [
      { domain: '', version: ONNX_OPSET },
      { domain: ml, version: ONNX_ML_OPSET },
    ],
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: `covertype_${model.kind.replace('-', '_')}`,
      node: nodes,
      input: [
        tensorValue(MODEL_INPUT_NAMES.numeric, ElemType.FLOAT, ['N', NUMERIC_FEATURE_NAMES.length]),
        tensorValue(MODEL_INPUT_NAMES.wilderness, ElemType.STRING, ['N', 1]),
        tensorValue(MODEL_INPUT_NAMES.soil, ElemType.INT64, ['N', 1]),
      ],
      output: [
        tensorValue(MODEL_OUTPUT_NAMES.label, ElemType.INT64, ['N']),
        tensorValue(MODEL_OUTPUT_NAMES.probabilities, ElemType.FLOAT, ['N', K]),
      ],
    },
  });
}
