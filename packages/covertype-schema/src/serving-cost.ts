/**
 * A model's serving cost as the promotion gate measures it (onnxruntime, one intra-op thread, on the
 * model's own ONNX) and writes it on the registered version, for the inference API to show.
 */
export interface ServingCost {
  /** Median µs per request of one row. */
  usPerRowSingle: number;
  /** Median µs of a SERVING_BATCH_ROWS-row request, divided by its rows. */
  usPerRowBatch: number;
  onnxBytes: number;
  /** Trees in the graph's tree ensemble. */
  trees: number;
}

export const SERVING_BATCH_ROWS = 256;

/** The model version tags holding the cost (MLflow tag keys allow dots). */
export const SERVING_COST_TAGS = {
  usPerRowSingle: 'serving.us_per_row_single',
  usPerRowBatch: `serving.us_per_row_batch${SERVING_BATCH_ROWS}`,
  onnxBytes: 'serving.onnx_bytes',
  trees: 'serving.trees',
} as const satisfies Record<keyof ServingCost, string>;

/** The cost written on a version, or undefined when a figure is missing or not a number ≥ 0. */
export function servingCostFromTags(tags: Readonly<Record<string, string>>): ServingCost | undefined {
  const cost: Partial<ServingCost> = {};
  for (const [key, tag] of Object.entries(SERVING_COST_TAGS) as [keyof ServingCost, string][]) {
    const text = tags[tag];
    const value = text === undefined || text.trim() === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(value) || value < 0) return undefined;
    cost[key] = value;
  }
  return cost as ServingCost;
}
