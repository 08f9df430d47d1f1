import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  exportOnnx,
  fitGradientBoosting,
  fitRandomForest,
  ModelProto,
  modelStats,
  onnxTreeCounts,
} from '../src/index.ts';
import { separable } from './fixtures.ts';

const { x, y } = separable();

interface Decoded {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  metadataProps: { key: string; value: string }[];
  graph: {
    node: {
      opType: string;
      domain: string;
      attribute: { name: string; ints?: number[]; floats?: number[] }[];
    }[];
    input: { name: string; type: { tensorType: { elemType: number; shape: { dim: object[] } } } }[];
    output: { name: string; type: { tensorType: { elemType: number; shape: { dim: object[] } } } }[];
  };
}

function decode(bytes: Uint8Array): Decoded {
  return ModelProto.toObject(ModelProto.decode(bytes), {
    longs: Number,
    defaults: false,
  }) as unknown as Decoded;
}

describe('exported ONNX graph', () => {
  const model = fitGradientBoosting(x, y, { rounds: 3, maxLeaves: 4, minSamplesLeaf: 2 });
  const onnx = decode(exportOnnx(model, { metadata: { run_id: 'abc' } }));

  it('uses IR 8, opset 17 and ai.onnx.ml 3', () => {
    assert.equal(onnx.irVersion, 8);
    assert.deepEqual(
      onnx.opsetImport.map((o) => [o.domain ?? '', o.version]),
      [
        ['', 17],
        ['ai.onnx.ml', 3],
      ],
    );
  });

  it('encodes categories in the graph and has no ZipMap', () => {
    assert.deepEqual(
      onnx.graph.node.map((n) => n.opType),
      ['LabelEncoder', 'LabelEncoder', 'Concat', 'TreeEnsembleClassifier'],
    );
  });

  it('declares the model I/O contract: inputs numeric/Wilderness_Area/Soil_Type, outputs label/probabilities', () => {
    const io = (v: Decoded['graph']['input'][number]) => [
      v.name,
      v.type.tensorType.elemType,
      v.type.tensorType.shape.dim,
    ];
    assert.deepEqual(onnx.graph.input.map(io), [
      ['numeric', 1, [{ dimParam: 'N' }, { dimValue: 10 }]],
      ['Wilderness_Area', 8, [{ dimParam: 'N' }, { dimValue: 1 }]],
      ['Soil_Type', 7, [{ dimParam: 'N' }, { dimValue: 1 }]],
    ]);
    assert.deepEqual(onnx.graph.output.map(io), [
      ['label', 7, [{ dimParam: 'N' }]],
      ['probabilities', 1, [{ dimParam: 'N' }, { dimValue: 7 }]],
    ]);
  });

  it('writes the tree arrays losslessly (packed ints and floats decode to the model values)', () => {
    const attrs = Object.fromEntries(onnx.graph.node[3]!.attribute.map((a) => [a.name, a]));
    assert.deepEqual(attrs.classlabels_int64s!.ints, [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(attrs.base_values!.floats, model.baseValues);
    const t0 = model.trees[0]!;
    assert.deepEqual(
      attrs.nodes_featureids!.ints!.slice(0, t0.feature.length),
      [...t0.feature].map((f) => Math.max(f, 0)),
    );
    assert.deepEqual(attrs.nodes_values!.floats!.slice(0, t0.feature.length), [...t0.threshold]);
    const meta = Object.fromEntries(onnx.metadataProps.map((m) => [m.key, m.value]));
    assert.equal(meta.model_kind, 'gradient-boosting');
    assert.equal(meta.run_id, 'abc');
  });

  it('forests export NONE post-transform with zero base values', () => {
    const rf = decode(exportOnnx(fitRandomForest(x, y, { nEstimators: 2 })));
    const attrs = rf.graph.node[3]!.attribute as { name: string; floats?: number[]; s?: Uint8Array }[];
    assert.deepEqual(attrs.find((a) => a.name === 'base_values')!.floats, [0, 0, 0, 0, 0, 0, 0]);
    assert.equal(Buffer.from(attrs.find((a) => a.name === 'post_transform')!.s!).toString(), 'NONE');
  });
});

describe('onnxTreeCounts', () => {
  it('counts the trees and nodes of the exported ensemble, as the model itself has them', () => {
    for (const model of [
      fitGradientBoosting(x, y, { rounds: 3, maxLeaves: 4, minSamplesLeaf: 2 }),
      fitRandomForest(x, y, { nEstimators: 5, maxDepth: 4 }),
    ]) {
      const stats = modelStats(model);
      assert.deepEqual(onnxTreeCounts(exportOnnx(model)), { trees: stats.trees, nodes: stats.nodes });
    }
  });
});
