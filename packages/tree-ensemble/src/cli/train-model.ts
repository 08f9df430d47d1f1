// Trains one model on a covertype CSV and writes model.onnx, model.json and metrics.json: a model file
// for the inference API's tests and demos without running the whole pipeline.
// Usage: pnpm --filter @covertype/tree-ensemble train-model -- [--csv FILE] [--family gradient-boosting|random-forest]
//          [--params '{"rounds":50}'] [--rows N] [--out DIR]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type CovertypeRow, readCovertypeCsv } from '@covertype/schema';
import {
  encodeLabels,
  encodeRows,
  evaluate,
  exportOnnx,
  fitModel,
  type ModelFamily,
  modelToJson,
  stratifiedSplit,
  takeLabels,
  takeRows,
} from '../index.ts';

const { values: args } = parseArgs({
  options: {
    csv: {
      type: 'string',
      default: path.join(process.env.COVERTYPE_DATA_DIR ?? '../../../shared/data', 'covertype.csv'),
    },
    family: { type: 'string', default: 'gradient-boosting' },
    params: { type: 'string', default: '{}' },
    rows: { type: 'string' },
    out: { type: 'string', default: 'model-out' },
    seed: { type: 'string', default: '42' },
  },
});

const family = args.family as ModelFamily;
if (family !== 'gradient-boosting' && family !== 'random-forest') {
  console.error(`--family ${family} is not known; expected gradient-boosting or random-forest`);
  process.exit(1);
}
let params: Record<string, unknown>;
try {
  params = JSON.parse(args.params!);
} catch {
  console.error(`--params ${args.params} is not JSON; expected e.g. '{"rounds":50,"maxLeaves":31}'`);
  process.exit(1);
}
const seed = Number(args.seed);
const csv = await readCovertypeCsv(args.csv!);
if (!csv.labelled) {
  console.error(`${args.csv} has no Cover_Type column; training needs labelled rows`);
  process.exit(1);
}
let rows = csv.rows as CovertypeRow[];
if (args.rows) rows = rows.slice(0, Number(args.rows));
const x = encodeRows(rows);
const y = encodeLabels(rows);
const split = stratifiedSplit(y, 0.2, seed);
const start = performance.now();
const model = fitModel(family, takeRows(x, split.train), takeLabels(y, split.train), { seed, ...params });
const fitSeconds = (performance.now() - start) / 1000;
const metrics = evaluate(model, takeRows(x, split.test), takeLabels(y, split.test));

mkdirSync(args.out!, { recursive: true });
writeFileSync(
  path.join(args.out!, 'model.onnx'),
  exportOnnx(model, { metadata: { source: path.basename(args.csv!) } }),
);
writeFileSync(path.join(args.out!, 'model.json'), JSON.stringify(modelToJson(model)));
writeFileSync(
  path.join(args.out!, 'metrics.json'),
  JSON.stringify(
    { family, params: model.params, rows: rows.length, rejected: csv.rejects.length, fitSeconds, metrics },
    null,
    2,
  ),
);
console.log(
  `${family}: ${rows.length} rows (${csv.rejects.length} rejected), test accuracy ${metrics.accuracy.toFixed(4)}, macro-F1 ${metrics.macroF1.toFixed(4)}, fit ${fitSeconds.toFixed(1)} s → ${args.out}/model.onnx`,
);
