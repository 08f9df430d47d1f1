import {
  MODEL_CLASS_LABELS,
  MODEL_INPUT_NAMES,
  MODEL_OUTPUT_NAMES,
  type ModelColumns,
  NUMERIC_FEATURE_NAMES,
  toModelFeeds,
} from '@covertype/schema';
import ort from 'onnxruntime-node';
import { type OrtRunner, type OrtRunnerKind, openRunner } from './ort-runner.ts';

/** A model file that does not honour the covertype model I/O contract, or cannot be opened. */
export class ModelContractError extends Error {
  override name = 'ModelContractError';
}

export interface TensorInfo {
  name: string;
  /** onnxruntime type: float32, int64, string... */
  type: string;
  /** -1 marks a variable dimension. */
  shape: number[];
}

export interface Prediction {
  rows: number;
  /** Cover_Type per row (1..7). */
  labels: Int32Array;
  /** rows × 7 probabilities, class order 1..7. */
  probabilities: Float32Array;
}

export interface SessionOptions {
  /** onnxruntime intra-op threads; 1 per process suits a one-CPU container. */
  threads?: number;
  /** How runs reach onnxruntime (see ort-runner.ts); tests compare the two. */
  runner?: OrtRunnerKind;
  /** onnxruntime session options over the defaults below (the bench measures memory and speed with each). */
  ort?: Partial<ort.InferenceSession.SessionOptions>;
}

const WIDTH = NUMERIC_FEATURE_NAMES.length;
const CLASSES = MODEL_CLASS_LABELS.length;

const EXPECTED_INPUTS: Record<string, { type: string; shape: number[] }> = {
  [MODEL_INPUT_NAMES.numeric]: { type: 'float32', shape: [-1, WIDTH] },
  [MODEL_INPUT_NAMES.wilderness]: { type: 'string', shape: [-1, 1] },
  [MODEL_INPUT_NAMES.soil]: { type: 'int64', shape: [-1, 1] },
};
const EXPECTED_OUTPUTS: Record<string, { type: string; shape: number[] }> = {
  [MODEL_OUTPUT_NAMES.label]: { type: 'int64', shape: [-1] },
  [MODEL_OUTPUT_NAMES.probabilities]: { type: 'float32', shape: [-1, CLASSES] },
};
/** The outputs every run fetches, in the form both runners take (built once, not per run). */
const FETCHES: Record<string, null> = {
  [MODEL_OUTPUT_NAMES.label]: null,
  [MODEL_OUTPUT_NAMES.probabilities]: null,
};

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] {
  return meta.map((m) => ({
    name: m.name,
    type: m.isTensor ? m.type : 'non-tensor',
    shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) : [],
  }));
}

function checkTensors(
  kind: string,
  actual: TensorInfo[],
  expected: Record<string, { type: string; shape: number[] }>,
): void {
  for (const [name, want] of Object.entries(expected)) {
    const got = actual.find((t) => t.name === name);
    if (!got) {
      throw new ModelContractError(
        `model has no ${kind} "${name}"; it has ${actual.map((t) => t.name).join(', ') || 'none'}`,
      );
    }
    const shapeOk =
      got.shape.length === want.shape.length && want.shape.every((d, i) => d === -1 || got.shape[i] === d);
    if (got.type !== want.type || !shapeOk) {
      throw new ModelContractError(
        `model ${kind} "${name}" is ${got.type}[${got.shape.join(',')}], expected ${want.type}[${want.shape.join(',')}]`,
      );
    }
  }
}

/**
 * One onnxruntime session holding a covertype model, tuned for one core per process: a single
 * intra/inter-op thread, sequential execution, every graph optimisation.
 */
export class ModelSession {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];

  private constructor(private readonly session: OrtRunner) {
    this.inputs = describe(session.inputMetadata);
    this.outputs = describe(session.outputMetadata);
  }

  static async open(model: string | Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
    const threads = options.threads ?? 1;
    let session: OrtRunner;
    try {
      const sessionOptions: ort.InferenceSession.SessionOptions = {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        executionProviders: ['cpu'],
        logSeverityLevel: 3,
        ...options.ort,
      };
      session = await openRunner(model, sessionOptions, options.runner);
    } catch (err) {
      const where = typeof model === 'string' ? model : `${model.byteLength} bytes`;
      throw new ModelContractError(`cannot open the ONNX model (${where}): ${(err as Error).message}`);
    }
    const wrapped = new ModelSession(session);
    try {
      checkTensors('input', wrapped.inputs, EXPECTED_INPUTS);
      checkTensors('output', wrapped.outputs, EXPECTED_OUTPUTS);
    } catch (err) {
      await session.release();
      throw err;
    }
    return wrapped;
  }

  /** Runs the model on rows laid out by toModelColumns. */
  async run(columns: ModelColumns): Promise<Prediction> {
    const n = columns.rows;
    // Synchronous with the native runner: the prediction happens in this turn of the event loop.
    const result = await this.session.run(toModelFeeds(ort.Tensor, columns), FETCHES);
    const rawLabels = result[MODEL_OUTPUT_NAMES.label]!.data as BigInt64Array;
    const probabilities = result[MODEL_OUTPUT_NAMES.probabilities]!.data as Float32Array;
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = Number(rawLabels[i]);
    return { rows: n, labels, probabilities };
  }

  /** 'native' unless this onnxruntime-node lacks the binding ort-runner.ts expects. */
  get runner(): OrtRunnerKind {
    return this.session.kind;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
