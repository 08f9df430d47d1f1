import type { OnnxModelInput } from '../../src/index.ts';

/** A stand-in model: the bytes need not be a real graph for storage tests, only be recognisable. */
export function fakeOnnxModel(
  bytes = Buffer.from('not really onnx but bytes to round trip'),
): OnnxModelInput {
  return {
    onnx: new Uint8Array(bytes),
    signature: {
      inputs: [{ type: 'tensor', name: 'numeric', 'tensor-spec': { dtype: 'float32', shape: [-1, 10] } }],
      outputs: [{ type: 'tensor', name: 'label', 'tensor-spec': { dtype: 'int64', shape: [-1] } }],
    },
    inputExample: { numeric: [[2596, 51, 3, 258, 0, 510, 221, 232, 148, 6279]] },
    metadata: { trainer: 'test' },
  };
}
