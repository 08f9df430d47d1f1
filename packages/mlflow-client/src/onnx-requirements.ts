/**
 * What a Python environment needs to load an ONNX graph, read from the graph itself: its IR version and
 * the opset of each operator domain it imports, mapped to the first `onnx` and `onnxruntime` releases
 * that implement them. Written as lower bounds into requirements.txt / conda.yaml, so `mlflow models
 * serve` builds an environment that can run the model without pinning versions nobody tested.
 */

export interface OnnxVersions {
  irVersion: number;
  /** Operator set per domain; the default domain '' is reported as 'ai.onnx'. */
  opsets: Record<string, number>;
}

type Release = { version: string; ir: number; 'ai.onnx': number; 'ai.onnx.ml': number };

/** onnx's docs/Versioning.md "Released Versions" (first release of each IR/opset step). */
const ONNX_RELEASES: readonly Release[] = [
  { version: '1.6', ir: 6, 'ai.onnx': 11, 'ai.onnx.ml': 2 },
  { version: '1.7', ir: 7, 'ai.onnx': 12, 'ai.onnx.ml': 2 },
  { version: '1.8', ir: 7, 'ai.onnx': 13, 'ai.onnx.ml': 2 },
  { version: '1.9', ir: 7, 'ai.onnx': 14, 'ai.onnx.ml': 2 },
  { version: '1.10', ir: 8, 'ai.onnx': 15, 'ai.onnx.ml': 2 },
  { version: '1.11', ir: 8, 'ai.onnx': 16, 'ai.onnx.ml': 3 },
  { version: '1.12', ir: 8, 'ai.onnx': 17, 'ai.onnx.ml': 3 },
  { version: '1.13', ir: 8, 'ai.onnx': 18, 'ai.onnx.ml': 3 },
  { version: '1.14', ir: 9, 'ai.onnx': 19, 'ai.onnx.ml': 3 },
  { version: '1.15', ir: 9, 'ai.onnx': 20, 'ai.onnx.ml': 4 },
  { version: '1.16', ir: 10, 'ai.onnx': 21, 'ai.onnx.ml': 5 },
  { version: '1.17', ir: 10, 'ai.onnx': 22, 'ai.onnx.ml': 5 },
];

/** onnxruntime's compatibility matrix: the opsets and IR version each release implements. */
const ONNXRUNTIME_RELEASES: readonly Release[] = [
  { version: '1.10', ir: 8, 'ai.onnx': 15, 'ai.onnx.ml': 2 },
  { version: '1.11', ir: 8, 'ai.onnx': 16, 'ai.onnx.ml': 2 },
  { version: '1.12', ir: 8, 'ai.onnx': 17, 'ai.onnx.ml': 3 },
  { version: '1.14', ir: 8, 'ai.onnx': 18, 'ai.onnx.ml': 3 },
  { version: '1.15', ir: 9, 'ai.onnx': 19, 'ai.onnx.ml': 3 },
  { version: '1.17', ir: 9, 'ai.onnx': 20, 'ai.onnx.ml': 4 },
  { version: '1.18', ir: 10, 'ai.onnx': 21, 'ai.onnx.ml': 4 },
];

/** Reads one protobuf varint; numbers stay exact up to 2^53. */
function varint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return [value, i + 1];
  }
  throw new RangeError('truncated varint');
}

/** Walks the top-level fields of a protobuf message, calling back with each field's value. */
function fields(
  bytes: Uint8Array,
  on: (field: number, value: number | Uint8Array) => void,
  start = 0,
  end = bytes.length,
): void {
  let at = start;
  while (at < end) {
    const [key, afterKey] = varint(bytes, at);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const [v, next] = varint(bytes, afterKey);
      on(field, v);
      at = next;
    } else if (wire === 2) {
      const [len, next] = varint(bytes, afterKey);
      if (next + len > end) throw new RangeError('truncated field');
      on(field, bytes.subarray(next, next + len));
      at = next + len;
    } else if (wire === 1) at = afterKey + 8;
    else if (wire === 5) at = afterKey + 4;
    else throw new RangeError(`unsupported wire type ${wire}`);
  }
}

/** The IR version and opset imports of a serialized ONNX ModelProto; undefined if it is not one. */
export function onnxVersions(model: Uint8Array): OnnxVersions | undefined {
  let irVersion: number | undefined;
  const opsets: Record<string, number> = {};
  try {
    fields(model, (field, value) => {
      if (field === 1 && typeof value === 'number') irVersion = value;
      if (field === 8 && value instanceof Uint8Array) {
        // OperatorSetIdProto: 1 = domain, 2 = version.
        let domain = '';
        let version: number | undefined;
        fields(value, (f, v) => {
          if (f === 1 && v instanceof Uint8Array) domain = new TextDecoder().decode(v);
          if (f === 2 && typeof v === 'number') version = v;
        });
        if (version !== undefined) opsets[domain === '' ? 'ai.onnx' : domain] = version;
      }
    });
  } catch {
    return undefined;
  }
  if (irVersion === undefined || Object.keys(opsets).length === 0) return undefined;
  return { irVersion, opsets };
}

/**
 * The metadata_props of a serialized ONNX ModelProto (exporters write facts such as the tree count
 * there); read from the top-level fields only, without decoding the graph. Empty if it is not one.
 */
export function onnxMetadata(model: Uint8Array): Record<string, string> {
  const metadata: Record<string, string> = {};
  const text = new TextDecoder();
  try {
    fields(model, (field, value) => {
      // ModelProto.metadata_props = 14; StringStringEntryProto: 1 = key, 2 = value.
      if (field !== 14 || !(value instanceof Uint8Array)) return;
      let key = '';
      let entry = '';
      fields(value, (f, v) => {
        if (f === 1 && v instanceof Uint8Array) key = text.decode(v);
        if (f === 2 && v instanceof Uint8Array) entry = text.decode(v);
      });
      metadata[key] = entry;
    });
  } catch {
    return {};
  }
  return metadata;
}

function firstRelease(releases: readonly Release[], need: OnnxVersions): string | undefined {
  return releases.find(
    (r) =>
      r.ir >= need.irVersion &&
      Object.entries(need.opsets).every(([domain, v]) => {
        const has = r[domain as 'ai.onnx' | 'ai.onnx.ml'];
        // Domains the tables do not track (custom ops) cannot be judged here.
        return has === undefined || has >= v;
      }),
  )?.version;
}

/**
 * pip requirements for the onnx and onnxruntime packages a graph needs: `onnx>=1.12` for IR 8 /
 * opset 17 / ai.onnx.ml 3, and so on. A graph newer than the tables, or bytes that are not a
 * ModelProto, get the bare package names rather than a guessed bound.
 */
export function onnxRequirements(model: Uint8Array): { onnx: string; onnxruntime: string } {
  const need = onnxVersions(model);
  const onnx = need && firstRelease(ONNX_RELEASES, need);
  const ort = need && firstRelease(ONNXRUNTIME_RELEASES, need);
  return {
    onnx: onnx ? `onnx>=${onnx}` : 'onnx',
    onnxruntime: ort ? `onnxruntime>=${ort}` : 'onnxruntime',
  };
}
