import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';

/**
 * What ModelSession needs from onnxruntime: the model's I/O metadata, a run, a release.
 *
 * onnxruntime-node 1.30's public `InferenceSession.run()` defers every inference to a setImmediate.
 * Our micro-batches are flushed in the event loop's check phase already, so that second hop puts a
 * whole extra poll phase (every socket read, parse and 503 of one loop turn) between a request's
 * arrival and its prediction. Under a 2× overload on one core that was half of an accepted
 * request's latency (median 38 ms against 25 ms when run at once). The native session underneath
 * runs synchronously on this thread either way, so `nativeRunner` calls it directly; the public
 * API stays as the fallback should a future onnxruntime-node move its binding.
 */
export interface OrtRunner {
  readonly kind: 'native' | 'public';
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  /**
   * Synchronous for the native runner; awaiting it never adds a turn of the event loop. `fetches`
   * maps each wanted output to null, the form onnxruntime's binding takes as it is.
   */
  run(
    feeds: Record<string, ort.Tensor>,
    fetches: Record<string, null>,
  ): ort.InferenceSession.ReturnType | Promise<ort.InferenceSession.ReturnType>;
  release(): Promise<void>;
}

export type OrtRunnerKind = OrtRunner['kind'];

/** The session as onnxruntime-node's binding (dist/binding.js; checked on 1.30) exposes it. */
interface NativeSession {
  loadModel(path: string, options: ort.InferenceSession.SessionOptions): void;
  loadModel(
    buffer: ArrayBufferLike,
    byteOffset: number,
    byteLength: number,
    options: ort.InferenceSession.SessionOptions,
  ): void;
  readonly inputMetadata: readonly RawMetadata[];
  readonly outputMetadata: readonly RawMetadata[];
  run(
    feeds: Record<string, ort.Tensor>,
    fetches: Record<string, null>,
    options: ort.InferenceSession.RunOptions,
  ): ort.InferenceSession.ReturnType;
  dispose(): void;
}

interface RawMetadata {
  name: string;
  isTensor: boolean;
  /** ONNX TensorProto.DataType. */
  type: number;
  /** -1 marks a symbolic dimension, named in symbolicDimensions. */
  shape: number[];
  symbolicDimensions: string[];
}

interface Binding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt: () => void;
}

/** ONNX TensorProto.DataType → onnxruntime's type names (the table onnxruntime-node uses). */
const TENSOR_TYPES: Record<number, ort.Tensor.Type> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
};

let binding: Binding | null | undefined;

/** onnxruntime-node's native binding, or null when this version does not have the expected one. */
function nativeBinding(): Binding | null {
  if (binding !== undefined) return binding;
  try {
    const loaded = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js') as Partial<Binding>;
    const Session = loaded.binding?.InferenceSession;
    binding =
      typeof Session === 'function' &&
      typeof Session.prototype.run === 'function' &&
      typeof Session.prototype.loadModel === 'function' &&
      typeof loaded.initOrt === 'function'
        ? (loaded as Binding)
        : null;
  } catch {
    binding = null;
  }
  return binding;
}

function toValueMetadata(raw: readonly RawMetadata[]): ort.InferenceSession.ValueMetadata[] {
  return raw.map((m) => {
    if (!m.isTensor) return { name: m.name, isTensor: false };
    const type = TENSOR_TYPES[m.type];
    if (type === undefined) throw new Error(`input/output "${m.name}" has an unsupported type (${m.type})`);
    const shape = m.shape.map((d, i) => (d === -1 ? (m.symbolicDimensions[i] ?? '') : d));
    return { name: m.name, isTensor: true, type, shape } as ort.InferenceSession.ValueMetadata;
  });
}

function nativeRunner(
  found: Binding,
  model: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): OrtRunner {
  found.initOrt();
  const session = new found.binding.InferenceSession();
  if (typeof model === 'string') session.loadModel(model, options);
  else session.loadModel(model.buffer, model.byteOffset, model.byteLength, options);
  const runOptions: ort.InferenceSession.RunOptions = {};
  return {
    kind: 'native',
    inputMetadata: toValueMetadata(session.inputMetadata),
    outputMetadata: toValueMetadata(session.outputMetadata),
    run: (feeds, fetches) => session.run(feeds, fetches, runOptions),
    release: async () => session.dispose(),
  };
}

async function publicRunner(
  model: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): Promise<OrtRunner> {
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model, options)
      : await ort.InferenceSession.create(model, options);
  return {
    kind: 'public',
    inputMetadata: session.inputMetadata,
    outputMetadata: session.outputMetadata,
    run: (feeds, fetches) => session.run(feeds, fetches),
    release: () => session.release(),
  };
}

/** Opens the model with the native runner when this onnxruntime-node has it (or `prefer` says so). */
export async function openRunner(
  model: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
  prefer: OrtRunnerKind = 'native',
): Promise<OrtRunner> {
  const found = prefer === 'native' ? nativeBinding() : null;
  return found ? nativeRunner(found, model, options) : publicRunner(model, options);
}
