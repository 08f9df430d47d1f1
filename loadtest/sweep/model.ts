// The model the process-mode sweep serves: a gradient-boosted ensemble trained here on a slice of
// covertype.csv, so `pnpm loadtest:sweep` needs no registry. Cached: later sweeps reuse it.
import { existsSync, readFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { writeOnnxModelDir } from '@covertype/mlflow';
import { type CovertypeRow, checkRecord, MODEL_SIGNATURE } from '@covertype/schema';
import { encodeLabels, encodeRows, exportOnnx, fitGradientBoosting } from '@covertype/tree-ensemble';

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
  const model = fitGradientBoosting(encodeRows(rows), encodeLabels(rows), {
    rounds: SWEEP_MODEL.rounds,
    maxLeaves: SWEEP_MODEL.maxLeaves,
    learningRate: SWEEP_MODEL.learningRate,
    seed: SWEEP_MODEL.seed,
  });
  const tmp = `${dir}.tmp-${process.pid}`;
  await writeOnnxModelDir(tmp, {
    onnx: exportOnnx(model),
    signature: MODEL_SIGNATURE,
    metadata: { trained_by: 'loadtest sweep', ...SWEEP_MODEL },
  });
  await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
    if (!existsSync(path.join(dir, 'MLmodel'))) throw err; // another sweep won the race: fine
  });
  return dir;
}
