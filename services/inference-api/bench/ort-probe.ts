/**
 * onnxruntime alone on one model, in a process of its own (the bench pins it to the server's CPU):
 * `node --import tsx bench/ort-probe.ts <model.onnx> '<session options JSON>' <rows.json>` prints
 * one JSON line: µs per run of 1 row and per row in 256-row runs (medians), and this process's RSS
 * before the session, after opening it and after the runs. What the session options cost in memory
 * and time is measured here without the HTTP server's own share.
 */
import { readFileSync } from 'node:fs';
import { type ModelInputRow, toModelColumns } from '@covertype/schema';
import { ModelSession } from '../src/model/model-session.ts';

const [modelPath, optionsJson = '{}', rowsFile] = process.argv.slice(2);
if (!modelPath || !rowsFile)
  throw new Error('usage: ort-probe.ts <model.onnx> <session options JSON> <rows.json>');
// Rows come in a file: 60 KB of arguments took the champion's session open past the stack (SIGSEGV).
const rows = JSON.parse(readFileSync(rowsFile, 'utf8')) as ModelInputRow[];
const rss = () =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Median µs of `runs` runs, cycling through `batches` (rows differ from run to run, as in serving). */
async function timeRuns(session: ModelSession, batches: ModelInputRow[][], runs: number): Promise<number> {
  const columns = batches.map(toModelColumns);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await session.run(columns[i % columns.length]!);
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return median(times);
}

const rssStart = rss();
const session = await ModelSession.open(modelPath, { ort: JSON.parse(optionsJson) });
const rssOpen = rss();
const batch = Array.from({ length: 256 }, (_, i) => rows[i % rows.length]!);
const singles = batch.map((row) => [row]);
await timeRuns(session, singles, 50);
await timeRuns(session, [batch], 5);
const singleUs = await timeRuns(session, singles, 2000);
const batchRunUs = await timeRuns(session, [batch], 100);
// Mixed sizes, as micro-batching makes them: what the arena keeps after varied runs.
for (let i = 0; i < 500; i++) await session.run(toModelColumns(batch.slice(0, 1 + ((i * 37) % 256))));
const rssAfter = rss();
await session.release();
console.log(
  JSON.stringify({
    singleUs: Math.round(singleUs),
    batchUsPerRow: Math.round((batchRunUs / 256) * 10) / 10,
    rssStartMb: rssStart,
    rssOpenMb: rssOpen,
    rssAfterRunsMb: rssAfter,
  }),
);
