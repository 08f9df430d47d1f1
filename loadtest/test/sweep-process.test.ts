// A short process-mode sweep end to end, without cgroup limits: two configurations, a second per step, real inference-api
// processes serving a model the sweep trains itself, and the report with its table and charts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dataDir, runTs } from '@covertype/testkit';
import { configFigures } from '../sweep/analysis.ts';
import type { SweepResult } from '../sweep/types.ts';

const main = fileURLToPath(new URL('../sweep/main.ts', import.meta.url));

test('pnpm loadtest:sweep in process mode writes a report whose table agrees with its raw results', async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'sweep-'));
  try {
    const run = await runTs(
      main,
      {
        COVERTYPE_DATA_DIR: dataDir(),
        SWEEP_MODE: 'process',
        // The fallback without cgroups (sweep-cgroups.test.ts covers the enforced limits).
        SWEEP_LIMITS: 'off',
        SWEEP_OUT_DIR: out,
        SWEEP_WARMUP_SECONDS: '0.5',
        SWEEP_START_RATE: '200',
        SWEEP_GROWTH: '2',
        SWEEP_MAX_STEPS: '2',
        // Generous: the machine running CI may be busy; this test is about the pipeline, not speed.
        SWEEP_P95_MS: '500',
      },
      ['--configs', '1:1:1.5G,2:1:1.5G', '--step-seconds', '1'],
      240_000,
    );
    assert.equal(run.code, 0, run.output);
    const [stamp] = (await readdir(out)).filter((d) => !d.startsWith('.'));
    assert.ok(stamp, `no report folder in ${out}: ${run.output}`);
    const dir = path.join(out, stamp);
    const raw = JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as SweepResult;
    assert.equal(raw.mode, 'process');
    assert.deepEqual(
      raw.configs.map((c) => [c.config.replicas, c.error ?? 'ok', c.steps.length > 0, c.replicas.length]),
      [
        [1, 'ok', true, 1],
        [2, 'ok', true, 2],
      ],
    );
    // Every measured step served real predictions: some requests, no errors at this light load.
    for (const step of raw.configs.flatMap((c) => c.steps)) {
      assert.ok(step.requests > 0 && step.errorRate === 0, JSON.stringify(step));
    }
    const md = await readFile(path.join(dir, 'report.md'), 'utf8');
    assert.match(md, /Mode: \*\*process\*\*/);
    assert.match(md, /CPU and memory limits are NOT enforced: turned off with SWEEP_LIMITS=off/);
    for (const c of raw.configs) {
      const f = configFigures(c, raw.thresholds, raw.host.cpus);
      const row = md.split('\n').find((l) => l.startsWith(`| ${c.config.replicas} × (1 CPU, 1.5 GB) |`));
      assert.ok(row, `no row for ${c.config.replicas} replica(s) in\n${md}`);
      assert.equal(row.split(' | ')[1], Math.round(f.sustainedRps).toLocaleString('en-US'));
      assert.ok(f.peakMemoryMb > 10, 'the RSS of the replicas was sampled');
    }
    for (const chart of ['throughput-vs-replicas', 'latency-vs-load', 'memory-per-replica']) {
      assert.ok(existsSync(path.join(dir, 'charts', `${chart}.svg`)), `${chart}.svg missing`);
    }
    assert.match(await readFile(path.join(dir, 'report.html'), 'utf8'), /<svg /);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
