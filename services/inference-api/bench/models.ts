/**
 * The models `pnpm bench` serves. The champion: the registry's (BENCH_MODEL_URI, e.g.
 * models:/covertype@champion with the MLflow settings), a model folder (BENCH_MODEL_DIR), or by
 * default a champion-sized stand-in: gradient boosting, 300 rounds × 63 leaves × 7 classes (2,100
 * trees) on covertype.csv, trained once with tree-ensemble's train-model CLI and cached in the temp
 * folder under its parameters. Beside it, the small model earlier benches served (20 rounds × 31
 * leaves on 20,000 rows), as a labelled second row.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dataFile, repoRoot } from '@covertype/testkit';
import { modelFromJson, modelStats, onnxTreeCounts } from '@covertype/tree-ensemble';

export interface BenchModel {
  label: string;
  /** What the API's MODEL_URI is set to: a model folder, or a registry URI. */
  uri: string;
  /** The ONNX file on this machine, when there is one (registry models: after the API fetched it). */
  onnxPath?: string;
  stats: Record<string, number | string>;
}

interface TrainSpec {
  label: string;
  params: Record<string, number>;
  rows?: number;
}

export const CHAMPION: TrainSpec = {
  label: 'champion-sized: boosting 300 rounds × 63 leaves',
  params: { rounds: 300, maxLeaves: 63, l2: 1 },
};
export const SMALL: TrainSpec = {
  label: 'small: boosting 20 rounds × 31 leaves, 20,000 rows',
  params: { rounds: 20, maxLeaves: 31 },
  rows: 20_000,
};

/** Figures of the ONNX file in `dir` (and of model.json beside it, when the CLI wrote one). */
export function describeModel(onnxPath: string): Record<string, number | string> {
  const dir = path.dirname(onnxPath);
  const stats: Record<string, number | string> = { onnxBytes: statSync(onnxPath).size };
  const metrics = path.join(dir, 'metrics.json');
  if (existsSync(path.join(dir, 'model.json'))) {
    Object.assign(
      stats,
      modelStats(modelFromJson(JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')))),
    );
  } else Object.assign(stats, onnxTreeCounts(readFileSync(onnxPath)));
  if (existsSync(metrics)) {
    const m = JSON.parse(readFileSync(metrics, 'utf8'));
    Object.assign(stats, {
      testAccuracy: Math.round(m.metrics.accuracy * 10_000) / 10_000,
      trainRows: m.rows,
      fitSeconds: Math.round(m.fitSeconds),
    });
  }
  return stats;
}

/** Trains `spec` with the train-model CLI into a cache folder named by its parameters, unless there already. */
function trained(spec: TrainSpec): string {
  const csv = dataFile('covertype.csv');
  const { size, mtimeMs } = statSync(csv);
  const key = [
    ...Object.entries(spec.params).map(([k, v]) => `${k}${v}`),
    `rows${spec.rows ?? 'all'}`,
    `seed42`,
    `csv${size}-${Math.round(mtimeMs)}`,
  ].join('-');
  const dir = path.join(os.tmpdir(), 'covertype-bench-models', key);
  if (!existsSync(path.join(dir, 'metrics.json'))) {
    console.log(`training ${spec.label} into ${dir} (once; cached)`);
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(repoRoot, 'packages/tree-ensemble/src/cli/train-model.ts'),
        '--csv',
        csv,
        '--params',
        JSON.stringify(spec.params),
        '--seed',
        '42',
        '--out',
        dir,
        ...(spec.rows ? ['--rows', String(spec.rows)] : []),
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
  }
  return path.join(dir, 'model.onnx');
}

export function benchModels(): { champion: BenchModel; small: BenchModel } {
  const small = trained(SMALL);
  const smallModel = {
    label: SMALL.label,
    uri: path.dirname(small),
    onnxPath: small,
    stats: describeModel(small),
  };
  if (process.env.BENCH_MODEL_URI) {
    return {
      champion: {
        label: `registry: ${process.env.BENCH_MODEL_URI}`,
        uri: process.env.BENCH_MODEL_URI,
        stats: {},
      },
      small: smallModel,
    };
  }
  if (process.env.BENCH_MODEL_DIR) {
    const dir = path.resolve(process.env.BENCH_MODEL_DIR);
    const onnxPath = existsSync(path.join(dir, 'model.onnx')) ? path.join(dir, 'model.onnx') : undefined;
    return {
      champion: {
        label: `BENCH_MODEL_DIR ${dir}`,
        uri: dir,
        ...(onnxPath ? { onnxPath } : {}),
        stats: onnxPath ? describeModel(onnxPath) : {},
      },
      small: smallModel,
    };
  }
  const champion = trained(CHAMPION);
  return {
    champion: {
      label: CHAMPION.label,
      uri: path.dirname(champion),
      onnxPath: champion,
      stats: describeModel(champion),
    },
    small: smallModel,
  };
}
