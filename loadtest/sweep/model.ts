// The model the process-mode sweep serves: a gradient-boosted ensemble trained here on a slice of
// covertype.csv, so `pnpm loadtest:sweep` needs no registry. Cached: later sweeps reuse it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sampleModelDir } from '@covertype/sample-model';
import { type CovertypeRow, checkRecord } from '@covertype/schema';

/** Sized like a real champion (hundreds of trees), trained on a few thousand rows in seconds. */
export const SWEEP_MODEL = { rows: 4000, rounds: 40, maxLeaves: 31, learningRate: 0.2, seed: 42 } as const;

function readLabelledRows(csvPath: string, limit: number): CovertypeRow[] {
  const lines = readFileSync(csvPath, 'utf8').split('\n');
  const rows: CovertypeRow[] = [];
  for (let i = 1; i < lines.length && rows.length < limit; i++) {
    const line = lines[i];
    if (!line) continue;
    const check = checkRecord(line.split(','));
    if (check.ok) rows.push(check.row);
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
  const rows = readLabelledRows(trainingCsv, SWEEP_MODEL.rows);
  return sampleModelDir(dir, rows, SWEEP_MODEL, { trained_by: 'loadtest sweep', rows: SWEEP_MODEL.rows });
}
