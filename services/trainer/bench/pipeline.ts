/**
 * Benchmark: the whole pipeline on the full covertype.csv (75,000 rows, all 10 groups) with the
 * workshop preset (RF grid 27 and GB grid 36 candidates with 5-fold CV, plus our default search).
 * The data API runs as a real process with MIN_UPDATE_TIME=0; tables go to a fresh MariaDB database
 * when one is reachable (else the local file store); MLflow is a local-directory registry in a temp dir.
 * Target: total wall time ≤ 10 minutes on the 2-core machine. Results: bench/results/pipeline.{json,md}.
 *
 *   pnpm bench:pipeline                 (SEARCH_PRESET, DATA_GROUP, BENCH_DATABASE_URL to change)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@covertype/service-kit';
import { dataFile, freePort, repoRoot, startTs, waitForHttp } from '@covertype/testkit';
import mysql from 'mysql2/promise';
import { loadConfig } from '../src/config.ts';
import { openRuntime, runPipelineOnce, trainingDag } from '../src/run-pipeline.ts';
import type { PrepareResult } from '../src/tasks/prepare.ts';
import type { PromoteResult } from '../src/tasks/register.ts';
import type { Candidate } from '../src/tasks/train.ts';

const TARGET_SECONDS = 600;
const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');

async function mysqlDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const admin =
    process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_TEST_URL ?? 'mysql://root@127.0.0.1:3306/test';
  const name = `pipeline_bench_${randomBytes(4).toString('hex')}`;
  const root = new URL(admin);
  root.pathname = '/';
  try {
    const conn = await mysql.createConnection({ uri: root.toString(), connectTimeout: 3000 });
    await conn.end();
  } catch {
    return undefined;
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const conn = await mysql.createConnection({ uri: root.toString() });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

const tmp = await mkdtemp(path.join(tmpdir(), 'pipeline-bench-'));
const port = await freePort();
const dataApi = startTs(path.join(repoRoot, 'services/data-api/src/server.ts'), {
  PORT: String(port),
  HOST: '127.0.0.1',
  DATA_PATH: process.env.BENCH_DATA_PATH ?? dataFile('covertype.csv'),
  MIN_UPDATE_TIME: '0',
  DATA_SEED: 'bench',
  DATA_STATE_PATH: path.join(tmp, 'data-api-state.json'),
  LOG_LEVEL: 'warn',
});
const db = await mysqlDatabase();
try {
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, { timeoutMs: 60_000 });
  const config = loadConfig({
    ...process.env,
    DATA_API_URL: `http://127.0.0.1:${port}`,
    DATA_GROUP: process.env.DATA_GROUP ?? 'all',
    SEARCH_PRESET: process.env.SEARCH_PRESET ?? 'workshop',
    DATABASE_URL: db?.url ?? '',
    PIPELINE_DATA_DIR: path.join(tmp, 'tables'),
    MLFLOW_TRACKING_URI: process.env.MLFLOW_TRACKING_URI ?? `file:${path.join(tmp, 'mlruns')}`,
    MODEL_NAME: 'covertype-bench',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    INGEST_POLL_INTERVAL_MS: '10',
  });
  const log = createLogger('bench', config.LOG_LEVEL);
  const runtime = await openRuntime(config, log);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const loadBefore = loadavg()[0]!;
  const result = await runPipelineOnce(config, runtime, trainingDag(config), { trigger: 'bench', log });
  const totalSeconds = (performance.now() - started) / 1000;
  // Process-wide CPU (worker threads included): on a shared machine wall time alone misleads.
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const loadAfter = loadavg()[0]!;
  await runtime.close();

  const prepared = result.results.get('validate-and-split') as PrepareResult | undefined;
  const candidates = [
    ...((result.results.get('train-random-forest') as Candidate[] | undefined) ?? []),
    ...((result.results.get('train-gradient-boosting') as Candidate[] | undefined) ?? []),
  ];
  const promotion = result.results.get('promote-if-better') as PromoteResult | undefined;
  const report = {
    benchmark: 'pipeline',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    settings: {
      groups: config.DATA_GROUP,
      preset: config.SEARCH_PRESET,
      store: db ? 'mysql' : 'file',
      mlflow: 'local directory',
    },
    ok: result.ok,
    error: result.error ?? null,
    totalSeconds,
    cpuSeconds,
    loadAverage1m: { before: loadBefore, after: loadAfter },
    targetSeconds: TARGET_SECONDS,
    withinTarget: result.ok && totalSeconds <= TARGET_SECONDS,
    tasks: result.tasks.map((t) => ({
      task: t.task,
      status: t.status,
      attempts: t.attempts,
      seconds: t.durationMs / 1000,
    })),
    rows: prepared
      ? {
          raw: prepared.rawRows,
          train: prepared.train,
          test: prepared.test,
          rejects: prepared.rejects,
          duplicates: prepared.duplicates,
        }
      : null,
    searches: candidates.map((c) => ({
      search: c.search,
      family: c.family,
      candidates: c.candidatesTried,
      folds: c.folds,
      seconds: c.searchSeconds,
      cvAccuracy: c.cvAccuracy,
      testAccuracy: c.testAccuracy,
      testF1Macro: c.testF1Macro,
    })),
    promotion: promotion ?? null,
  };

  const fmt = (n: number, d = 1) => n.toFixed(d);
  const md = [
    `# Pipeline benchmark (${report.date})`,
    '',
    `${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GB, Node ${report.machine.node}; ` +
      `groups ${config.DATA_GROUP.join(',')}, preset ${config.SEARCH_PRESET}, ${report.settings.store} store.`,
    '',
    `Trainer process CPU time ${fmt(cpuSeconds)} s (${fmt(cpuSeconds / totalSeconds, 2)} cores busy on average); ` +
      `1-minute load average ${fmt(loadBefore, 1)} before, ${fmt(loadAfter, 1)} after.`,
    '',
    `**Total: ${fmt(totalSeconds)} s** (target ≤ ${TARGET_SECONDS} s: ${report.withinTarget ? 'met' : 'NOT met'})${result.ok ? '' : ` — run failed: ${result.error}`}`,
    '',
    '| task | status | attempts | seconds |',
    '| --- | --- | ---: | ---: |',
    ...report.tasks.map((t) => `| ${t.task} | ${t.status} | ${t.attempts} | ${fmt(t.seconds)} |`),
    '',
    '| search | candidates × folds | seconds | CV accuracy | test accuracy | test macro-F1 |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...report.searches.map(
      (s) =>
        `| ${s.search} | ${s.candidates} × ${s.folds} | ${fmt(s.seconds)} | ${fmt(s.cvAccuracy, 4)} | ${fmt(s.testAccuracy, 4)} | ${fmt(s.testF1Macro, 4)} |`,
    ),
    '',
    report.rows
      ? `Rows: ${report.rows.raw} raw, ${report.rows.train} train, ${report.rows.test} test, ${report.rows.rejects} rejected, ${report.rows.duplicates} duplicates dropped.`
      : '',
    promotion
      ? `Promotion: version ${promotion.version} ${promotion.decision} (test accuracy ${fmt(promotion.candidateAccuracy, 4)}).`
      : '',
    '',
  ].join('\n');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(path.join(resultsDir, 'pipeline.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(resultsDir, 'pipeline.md'), md);
  console.log(md);
  console.log(`results: ${path.relative(process.cwd(), resultsDir)}/pipeline.{json,md}`);
  process.exitCode = result.ok ? 0 : 1;
} finally {
  await dataApi.stop();
  await db?.drop();
  await rm(tmp, { recursive: true, force: true });
}
process.exit(process.exitCode ?? 0);
