// Training benchmark (issue 5): covertype.csv, 80/20 split stratified by Cover_Type with seed 42.
// Usage: pnpm bench:train [--rows N] [--only gb,rf,onnx] [--workers N]
// Writes bench/results/train-<timestamp>.{json,md} and bench/results/latest.{json,md}.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CovertypeRow, readCovertypeCsv, toModelColumns, toModelFeeds } from '@covertype/schema';
import { dataFile } from '@covertype/testkit';
import * as ort from 'onnxruntime-node';
import {
  type ClassificationMetrics,
  defaultWorkers,
  encodeLabels,
  encodeRows,
  evaluate,
  exportOnnx,
  fitGradientBoosting,
  fitRandomForestParallel,
  modelStats,
  predict,
  predictProba,
  stratifiedSplit,
  type TreeEnsembleModel,
  takeLabels,
  takeRows,
} from '../src/index.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string' },
    only: { type: 'string', default: 'gb,rf,onnx' },
    workers: { type: 'string' },
  },
});
// The figures depend on how busy the machine is: record it next to them.
const loadAverageAtStart = os.loadavg();
const loadAtStart = loadAverageAtStart.map((l) => l.toFixed(1)).join(' / ');
const only = new Set(args.only!.split(','));
const workers = args.workers ? Number(args.workers) : defaultWorkers();
const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

const rssMb = () => process.resourceUsage().maxRSS / 1024;
const quantile = (a: number[], q: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
};
const median = (a: number[]) => quantile(a, 0.5);
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

const csv = await readCovertypeCsv(dataFile('covertype.csv'));
let rows = csv.rows as CovertypeRow[];
if (args.rows) rows = rows.slice(0, Number(args.rows));
const x = encodeRows(rows);
const y = encodeLabels(rows);
const split = stratifiedSplit(y, 0.2, 42);
const xtrain = takeRows(x, split.train);
const ytrain = takeLabels(y, split.train);
const testRows = Array.from(split.test, (i) => rows[i]!);
const xtest = takeRows(x, split.test);
const ytest = takeLabels(y, split.test);
console.log(
  `covertype.csv: ${rows.length} rows (${split.train.length} train, ${split.test.length} test), ${workers} workers`,
);

interface ModelResult {
  name: string;
  params: Record<string, unknown>;
  fitSeconds: number;
  /** CPU time of the fit (all threads): close to the wall time a quiet machine would show, × cores used. */
  fitCpuSeconds: number;
  peakRssMb: number;
  metrics: ClassificationMetrics;
  stats: ReturnType<typeof modelStats>;
  onnxBytes: number;
  parity: { labelsDiffering: number; maxProbabilityDiff: number };
  target: { accuracy: number; fitSeconds: number };
}
const results: ModelResult[] = [];
interface InferenceResult {
  threads: number;
  singleRowMedianUs: number;
  singleRowP99Us: number;
  /** Process CPU time per run (all threads). */
  singleRowMeanCpuUs: number;
  batch256MedianMs: number;
  batch256MeanCpuMs: number;
}
const onnxInference: InferenceResult[] = [];

async function session(bytes: Uint8Array, threads = 1) {
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

function feeds(batch: CovertypeRow[]) {
  return toModelFeeds(ort.Tensor, toModelColumns(batch));
}

async function record(
  name: string,
  model: TreeEnsembleModel,
  fitSeconds: number,
  fitCpuSeconds: number,
  target: ModelResult['target'],
): Promise<Uint8Array> {
  const peakRssMb = rssMb();
  const metrics = evaluate(model, xtest, ytest);
  const bytes = exportOnnx(model);
  const s = await session(bytes);
  const out = await s.run(feeds(testRows));
  const labels = predict(model, xtest);
  const proba = predictProba(model, xtest);
  const onnxLabels = out.label!.data as BigInt64Array;
  const onnxProba = out.probabilities!.data as Float32Array;
  let labelsDiffering = 0;
  let maxProbabilityDiff = 0;
  for (let i = 0; i < labels.length; i++) {
    if (Number(onnxLabels[i]) !== labels[i]) labelsDiffering++;
    for (let k = 0; k < 7; k++) {
      maxProbabilityDiff = Math.max(maxProbabilityDiff, Math.abs(onnxProba[i * 7 + k]! - proba[i * 7 + k]!));
    }
  }
  await s.release();
  results.push({
    name,
    params: model.params,
    fitSeconds,
    fitCpuSeconds,
    peakRssMb,
    metrics,
    stats: modelStats(model),
    onnxBytes: bytes.length,
    parity: { labelsDiffering, maxProbabilityDiff },
    target,
  });
  console.log(
    `${name}: accuracy ${metrics.accuracy.toFixed(4)}, macro-F1 ${metrics.macroF1.toFixed(4)}, fit ${fitSeconds.toFixed(1)} s (CPU ${fitCpuSeconds.toFixed(1)} s), peak RSS ${peakRssMb.toFixed(0)} MB`,
  );
  return bytes;
}

let gbBytes: Uint8Array | undefined;
if (only.has('gb') || only.has('onnx')) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const gb = fitGradientBoosting(xtrain, ytrain, {
    rounds: 300,
    learningRate: 0.1,
    maxLeaves: 63,
    l2: 1.0,
    earlyStopping: false,
    seed: 42,
  });
  const fit = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(c0);
  gbBytes = await record('gradient boosting (300 rounds, lr 0.1, 63 leaves, l2 1)', gb, fit, cpu, {
    accuracy: 0.905,
    fitSeconds: 60,
  });
}

if (only.has('rf')) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const rf = await fitRandomForestParallel(xtrain, ytrain, { nEstimators: 100, seed: 42 }, { workers });
  const fit = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(c0);
  await record('random forest (100 trees, full depth, sqrt features)', rf, fit, cpu, {
    accuracy: 0.888,
    fitSeconds: 20,
  });
}

if (only.has('onnx') && gbBytes) {
  // One intra-op thread is what a 1-CPU inference replica uses; 2 shows what the tree kernel gains from a second core.
  for (const threads of [1, 2]) {
    const s = await session(gbBytes, threads);
    const single = testRows.slice(0, 1000).map((r) => feeds([r]));
    const batches = Array.from({ length: 20 }, (_, i) =>
      feeds(Array.from({ length: 256 }, (_, j) => testRows[(i * 256 + j) % testRows.length]!)),
    );
    for (let i = 0; i < 200; i++) await s.run(single[i % single.length]!);
    const singleUs: number[] = [];
    const c0 = process.cpuUsage();
    for (let i = 0; i < 3000; i++) {
      const t = process.hrtime.bigint();
      await s.run(single[i % single.length]!);
      singleUs.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    const singleCpuUs = (cpuSeconds(c0) * 1e6) / 3000;
    const batchMs: number[] = [];
    const c1 = process.cpuUsage();
    for (let i = 0; i < 300; i++) {
      const t = process.hrtime.bigint();
      await s.run(batches[i % batches.length]!);
      batchMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const batchCpuMs = (cpuSeconds(c1) * 1e3) / 300;
    await s.release();
    const r = {
      threads,
      singleRowMedianUs: median(singleUs),
      singleRowP99Us: quantile(singleUs, 0.99),
      singleRowMeanCpuUs: singleCpuUs,
      batch256MedianMs: median(batchMs),
      batch256MeanCpuMs: batchCpuMs,
    };
    onnxInference.push(r);
    console.log(
      `onnx (gradient boosting, ${threads} thread${threads > 1 ? 's' : ''}): single row ${r.singleRowMedianUs.toFixed(1)} µs median, 256-row batch ${r.batch256MedianMs.toFixed(2)} ms median`,
    );
  }
}

// ---- report ----
const pass = (ok: boolean) => (ok ? 'pass' : 'FAIL');
const lines: string[] = [
  `# Training benchmark (${new Date().toISOString()})`,
  '',
  `covertype.csv, ${rows.length} rows, 80/20 split stratified by Cover_Type (seed 42); Node ${process.version}, ${workers} workers, ${os.cpus().length} CPUs, load average at start ${loadAtStart}.`,
  '',
  '| model | test accuracy | macro-F1 | log loss | fit (s) | fit CPU (s) | peak RSS (MB) | trees / leaves | model.onnx | ONNX parity | targets |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const r of results) {
  const okAcc = r.metrics.accuracy >= r.target.accuracy;
  const okFit = r.fitSeconds <= r.target.fitSeconds;
  lines.push(
    `| ${r.name} | ${r.metrics.accuracy.toFixed(4)} | ${r.metrics.macroF1.toFixed(4)} | ${r.metrics.logLoss!.toFixed(4)} | ${r.fitSeconds.toFixed(1)} | ${r.fitCpuSeconds.toFixed(1)} | ${r.peakRssMb.toFixed(0)} | ${r.stats.trees} / ${r.stats.leaves} | ${(r.onnxBytes / 1e6).toFixed(1)} MB | ${r.parity.labelsDiffering} labels differ, max Δp ${r.parity.maxProbabilityDiff.toExponential(1)} | accuracy ≥ ${r.target.accuracy}: ${pass(okAcc)}; fit ≤ ${r.target.fitSeconds} s: ${pass(okFit)} |`,
  );
}
lines.push('', '| per-class recall | ' + [1, 2, 3, 4, 5, 6, 7].map((c) => `class ${c}`).join(' | ') + ' |');
lines.push('| --- |' + ' --- |'.repeat(7));
for (const r of results) {
  lines.push(`| ${r.name} | ${r.metrics.perClass.map((c) => c.recall.toFixed(3)).join(' | ')} |`);
}
lines.push(
  `| support (test rows) | ${results[0]?.metrics.perClass.map((c) => c.support).join(' | ') ?? ''} |`,
);
if (onnxInference.length > 0) {
  lines.push(
    '',
    '| ONNX inference (gradient boosting, onnxruntime-node) | single row median (p99) | single row CPU | 256-row batch median | batch CPU | targets (≤ 50 µs, ≤ 2 ms) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...onnxInference.map(
      (r) =>
        `| intraOpNumThreads ${r.threads} | ${r.singleRowMedianUs.toFixed(1)} µs (${r.singleRowP99Us.toFixed(0)} µs) | ${r.singleRowMeanCpuUs.toFixed(1)} µs | ${r.batch256MedianMs.toFixed(2)} ms | ${r.batch256MeanCpuMs.toFixed(2)} ms | ${pass(r.singleRowMedianUs <= 50)}, ${pass(r.batch256MedianMs <= 2)} |`,
    ),
  );
}
const gbResult = results.find((r) => r.name.startsWith('gradient'));
if (gbResult)
  lines.push(
    '',
    `Peak RSS after boosting ${gbResult.peakRssMb.toFixed(0)} MB (target ≤ 1024 MB: ${pass(gbResult.peakRssMb <= 1024)}).`,
  );
lines.push(
  '',
  'Wall times depend on how busy the machine is; CPU times (all threads of the process) are what a quiet machine',
  'would show as wall time on one core (divide by the cores used for the forest).',
);
const markdown = lines.join('\n') + '\n';
console.log('\n' + markdown);

mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const json = JSON.stringify(
  {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadAverageAtStart,
    rows: rows.length,
    workers,
    models: results,
    onnxInference,
  },
  null,
  2,
);
for (const name of [`train-${stamp}`, 'latest']) {
  writeFileSync(path.join(resultsDir, `${name}.json`), json);
  writeFileSync(path.join(resultsDir, `${name}.md`), markdown);
}
console.log(`results written to ${path.relative(process.cwd(), resultsDir)}/latest.{json,md}`);
