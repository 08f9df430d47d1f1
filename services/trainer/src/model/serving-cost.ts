import { onnxMetadata } from '@covertype/mlflow';
import { type CovertypeRow, SERVING_BATCH_ROWS, type ServingCost } from '@covertype/schema';
import { onnxTreeCounts } from '@covertype/tree-ensemble';
import type * as ort from 'onnxruntime-node';
import { modelFeeds, openModelSession } from './onnx-scoring.ts';

/** Fixed run counts, so the cost of measuring does not depend on how fast the machine is. */
export const COST_RUNS = { warmup: 20, single: 200, batch: 20 } as const;

/** The figures' names as metrics of the candidate's MLflow run (as version tags: SERVING_COST_TAGS). */
export const SERVING_METRICS = {
  usPerRowSingle: 'serving_us_per_row_single',
  usPerRowBatch: `serving_us_per_row_batch${SERVING_BATCH_ROWS}`,
  onnxBytes: 'model_onnx_bytes',
  trees: 'model_trees',
} as const satisfies Record<keyof ServingCost, string>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Trees in the model: the exporter's `trees` metadata, read without decoding the graph (a large forest's
 * graph is tens of MB); for a graph without it, the distinct tree ids of its tree ensemble node.
 */
export function countTrees(onnx: Uint8Array): number {
  const written = onnxMetadata(onnx).trees;
  if (written !== undefined && /^\d+$/.test(written)) return Number(written);
  return onnxTreeCounts(onnx).trees;
}

/**
 * Measures the model as the inference API runs it (one onnxruntime session, one intra-op thread):
 * after a warm-up, the median time of single-row requests cycling through real rows, and of
 * SERVING_BATCH_ROWS-row requests. Medians, so one stall of a shared machine does not move the figure.
 */
export async function measureServingCost(
  onnx: Uint8Array,
  rows: readonly CovertypeRow[],
): Promise<ServingCost> {
  if (rows.length === 0) throw new RangeError('measuring the serving cost needs at least one row');
  const session = await openModelSession(onnx);
  try {
    const singles = Array.from({ length: Math.min(rows.length, COST_RUNS.single) }, (_, i) =>
      modelFeeds([rows[i]!]),
    );
    const batchRows = Array.from({ length: SERVING_BATCH_ROWS }, (_, i) => rows[i % rows.length]!);
    const batch = modelFeeds(batchRows);
    const time = async (feeds: Record<string, ort.Tensor>) => {
      const started = process.hrtime.bigint();
      await session.run(feeds);
      return Number(process.hrtime.bigint() - started) / 1000;
    };
    for (let i = 0; i < COST_RUNS.warmup; i++) {
      await time(singles[i % singles.length]!);
      await time(batch);
    }
    const single: number[] = [];
    for (let i = 0; i < COST_RUNS.single; i++) single.push(await time(singles[i % singles.length]!));
    const batched: number[] = [];
    for (let i = 0; i < COST_RUNS.batch; i++) batched.push(await time(batch));
    return {
      usPerRowSingle: median(single),
      usPerRowBatch: median(batched) / SERVING_BATCH_ROWS,
      onnxBytes: onnx.byteLength,
      trees: countTrees(onnx),
    };
  } finally {
    await session.release();
  }
}
