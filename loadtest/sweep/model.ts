// The model the process-mode sweep serves: a gradient-boosted ensemble trained here on a slice of
// covertype.csv, so `pnpm loadtest:sweep` needs no registry. Cached: later sweeps reuse it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sampleModelDir } from '@covertype/sample-model';
import { type CovertypeRow, openCsv, parseCovertypeCsv } from '@covertype/schema';

/** Sized like a real champion (hundreds of trees), trained on a few thousand rows in seconds. */
export const SWEEP_MODEL = { rows: 4000, rounds: 40, maxLeaves: 31, learningRate: 0.2, seed: 42 } as const;

async function readLabelledRows(csvPath: string, limit: number): Promise<CovertypeRow[]> {
  const rows: CovertypeRow[] = [];
  const input = openCsv(csvPath);
  try {
    for await (const event of parseCovertypeCsv(input)) {
      if (event.ok && 'Cover_Type' in event.row) rows.push(event.row);
      if (rows.length >= limit) break;
    }
  } finally {
    input.destroy();
  }
  if (rows.length < 100)
    throw new Error(`${csvPath}: only ${rows.length} valid labelled rows, expected thousands`);
  return rows;
}

/** Returns an MLflow model directory (MLmodel + model.onnx) that the inference API serves as MODEL_URI. */
export async function prepareModel(cacheRoot: string, trainingCsv: string): Promise<string> {
  const key = `gb-${SWEEP_MODEL.rows}r-${SWEEP_MODEL.rounds}x${SWEEP_MODEL.maxLeaves}-s${SWEEP_MODEL.seed}`;
  const dir = path.join(cacheRoot, key);
  if (existsSync(path.join(dir, 'MLmodel'))) return dir;
  const rows = await readLabelledRows(trainingCsv, SWEEP_MODEL.rows);
  return sampleModelDir(dir, rows, SWEEP_MODEL, { trained_by: 'loadtest sweep', rows: SWEEP_MODEL.rows });
}
