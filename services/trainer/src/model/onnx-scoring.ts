import {
  type CovertypeRow,
  MODEL_CLASS_LABELS,
  MODEL_OUTPUT_NAMES,
  toModelColumns,
  toModelFeeds,
} from '@covertype/schema';
import { type ClassificationMetrics, classificationMetrics } from '@covertype/tree-ensemble';
import * as ort from 'onnxruntime-node';

/** A model file that onnxruntime cannot load or run with the covertype I/O contract. */
export class BrokenModelError extends Error {
  override name = 'BrokenModelError';
}

/** The model's input tensors for rows, by the covertype I/O contract (what the inference API feeds too). */
export function modelFeeds(rows: readonly CovertypeRow[]): Record<string, ort.Tensor> {
  return toModelFeeds(ort.Tensor, toModelColumns(rows));
}

/**
 * One onnxruntime session on the model's bytes with one intra-op thread. The inference API opens its own
 * (its ModelSession adds sequential execution, full graph optimisation and load-time tensor checks); tree
 * models give the same labels either way.
 */
export async function openModelSession(onnx: Uint8Array): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1 });
  } catch (err) {
    throw new BrokenModelError(`onnxruntime cannot load the model: ${(err as Error).message}`);
  }
}

/**
 * Scores an ONNX model on labelled rows with onnxruntime, fed through @covertype/schema's model I/O
 * contract (toModelFeeds) as the inference API feeds it. Used by the promotion gate for both the candidate and the
 * current champion, so both are judged on the same test table by the same code.
 */
export async function scoreOnnx(
  onnx: Uint8Array,
  rows: readonly CovertypeRow[],
): Promise<ClassificationMetrics> {
  const session = await openModelSession(onnx);
  try {
    const predicted: bigint[] = [];
    const chunk = 4096;
    for (let start = 0; start < rows.length; start += chunk) {
      const part = rows.slice(start, start + chunk);
      const feeds = modelFeeds(part);
      let out: ort.InferenceSession.OnnxValueMapType;
      try {
        out = await session.run(feeds, [MODEL_OUTPUT_NAMES.label]);
      } catch (err) {
        throw new BrokenModelError(
          `the model does not run on the covertype inputs: ${(err as Error).message}`,
        );
      }
      const labels = out[MODEL_OUTPUT_NAMES.label]?.data;
      if (!(labels instanceof BigInt64Array) || labels.length !== part.length) {
        throw new BrokenModelError(
          `the model's "${MODEL_OUTPUT_NAMES.label}" output is not int64[${part.length}]`,
        );
      }
      predicted.push(...labels);
    }
    // Labels are Cover_Type 1..7; the metrics take class indexes 0..6.
    return classificationMetrics(
      rows.map((r) => r.Cover_Type - 1),
      predicted.map((label) => Number(label) - 1),
      [...MODEL_CLASS_LABELS],
    );
  } finally {
    await session.release();
  }
}
