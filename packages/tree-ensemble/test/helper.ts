import type { CovertypeRow, ModelColumns } from '@covertype/schema';
import { checkRecord, toModelColumns, toModelFeeds } from '@covertype/schema';
import { readDataRows } from '@covertype/testkit';
import * as ort from 'onnxruntime-node';

/** The first `limit` valid rows of covertype.csv (read synchronously: the tests need a few thousand). */
export function loadRows(limit: number): CovertypeRow[] {
  return readDataRows(checkRecord, limit);
}

export async function runOnnx(
  bytes: Uint8Array,
  columns: ModelColumns,
): Promise<{ label: BigInt64Array; probabilities: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  try {
    const out = await session.run(toModelFeeds(ort.Tensor, columns));
    return {
      label: out.label!.data as BigInt64Array,
      probabilities: out.probabilities!.data as Float32Array,
    };
  } finally {
    await session.release();
  }
}

export { toModelColumns };
