/**
 * A minimal, checker-valid ONNX model (`y = Identity(x)`, float32 [N, width]) encoded by hand, so the
 * smoke test can log a real model without depending on the trainer. Protobuf field numbers from onnx.proto.
 */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const field = (num: number, wire: number) => varint((num << 3) | wire);
const int = (num: number, value: number) => [...field(num, 0), ...varint(value)];
const bytes = (num: number, payload: number[]) => [...field(num, 2), ...varint(payload.length), ...payload];
const str = (num: number, s: string) => bytes(num, [...Buffer.from(s, 'utf8')]);

function tensorValueInfo(name: string, width: number): number[] {
  const shape = [...bytes(1, str(2, 'N')), ...bytes(1, int(1, width))];
  const tensorType = [...int(1, 1 /* FLOAT */), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

export function identityOnnxModel(width = 10): Uint8Array {
  const node = [...str(1, 'x'), ...str(2, 'y'), ...str(3, 'identity'), ...str(4, 'Identity')];
  const graph = [
    ...bytes(1, node),
    ...str(2, 'smoke'),
    ...bytes(11, tensorValueInfo('x', width)),
    ...bytes(12, tensorValueInfo('y', width)),
  ];
  const opset = [...str(1, ''), ...int(2, 13)];
  const model = [
    ...int(1, 8 /* IR version */),
    ...str(2, 'covertype-mlflow-smoke'),
    ...bytes(7, graph),
    ...bytes(8, opset),
  ];
  return Uint8Array.from(model);
}
