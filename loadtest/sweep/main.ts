// pnpm loadtest:sweep — runs the configuration matrix (Docker when an engine answers, else local
// processes), then writes loadtest/results/<timestamp>/report.md, report.html, results.json.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { runMain } from '@covertype/service-kit';
import { parseServingCsv } from '../lib/payloads.ts';
import { configLabel } from './matrix.ts';
import { prepareModel } from './model.ts';
import { processModeLimitations, runProcessConfig } from './process-mode.ts';
import { tableRows } from './report.ts';
import { loadSettings, repoRoot, USAGE } from './settings.ts';
import type { ConfigResult, SweepResult } from './types.ts';
import { writeReport } from './write-report.ts';

function dockerWorks(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

await runMain('loadtest-sweep', async () => {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const s = loadSettings(process.argv.slice(2));
  const mode = s.SWEEP_MODE === 'auto' ? (dockerWorks() ? 'docker' : 'process') : s.SWEEP_MODE;
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? 0;
  const outDir = path.join(s.SWEEP_OUT_DIR, startedAt.toISOString().replace(/[:.]/g, '-'));
  const thresholds = { p95Ms: s.SWEEP_P95_MS, maxErrorRate: s.SWEEP_MAX_ERROR_RATE };
  const staircase = {
    startRate: s.SWEEP_START_RATE,
    growth: s.SWEEP_GROWTH,
    maxSteps: s.SWEEP_MAX_STEPS,
    maxRate: s.SWEEP_MAX_RATE,
  };
  const log = (line: string) => console.log(line);
  log(`sweep: ${mode} mode, ${s.SWEEP_CONFIGS.length} configuration(s), report in ${outDir}`);

  const configs: ConfigResult[] = [];
  let limitations: string[];
  let generator: string;
  if (mode === 'docker') {
    const { runDockerConfig, dockerLimitations, dockerGeneratorLabel } = await import('./docker-mode.ts');
    const mounted = path.join(repoRoot, 'loadtest/results');
    if (path.relative(mounted, outDir).startsWith('..')) {
      throw new Error(
        `SWEEP_OUT_DIR=${s.SWEEP_OUT_DIR}: in docker mode it must be inside ${mounted} (mounted into k6)`,
      );
    }
    generator = dockerGeneratorLabel(s.SWEEP_SCENARIO);
    limitations = dockerLimitations();
    for (const config of s.SWEEP_CONFIGS) {
      log(`- ${configLabel(config)}`);
      configs.push(
        await runDockerConfig(config, {
          composeFiles: s.SWEEP_COMPOSE_FILES.split(','),
          cwd: repoRoot,
          scenario: s.SWEEP_SCENARIO,
          resultsDir: outDir,
          stepSeconds: s.SWEEP_STEP_SECONDS,
          staircase,
          thresholds,
          log,
        }),
      );
    }
  } else {
    const modelUri =
      s.SWEEP_MODEL_URI ??
      (await prepareModel(
        path.join(s.SWEEP_OUT_DIR, '.model'),
        path.join(s.COVERTYPE_DATA_DIR, 'covertype.csv'),
      ));
    const bodies = parseServingCsv(
      readFileSync(path.join(s.COVERTYPE_DATA_DIR, 'covertype_serving.csv'), 'utf8'),
      2000,
    ).map((row) => JSON.stringify(row));
    generator = 'autocannon (one thread, in the sweep process), fixed overall rate per step';
    limitations = processModeLimitations(s.SWEEP_PIN_CPUS, cpus().length);
    for (const config of s.SWEEP_CONFIGS) {
      log(`- ${configLabel(config)}`);
      const result = await runProcessConfig(config, {
        serverEntry: s.SWEEP_SERVER_ENTRY,
        modelUri,
        bodies,
        stepSeconds: s.SWEEP_STEP_SECONDS,
        warmupSeconds: s.SWEEP_WARMUP_SECONDS,
        staircase,
        thresholds,
        pinCpus: s.SWEEP_PIN_CPUS,
        log,
      });
      if (result.error) log(`  not measured: ${result.error}`);
      configs.push(result);
    }
  }

  const result: SweepResult = {
    mode,
    startedAt: startedAt.toISOString(),
    host: {
      cpus: cpus().length,
      memoryMb: Math.round(totalmem() / 1024 / 1024),
      node: process.version,
      loadAvg: [loadAtStart, loadavg()[0] ?? 0],
    },
    generator,
    thresholds,
    limitations,
    configs,
  };
  const files = await writeReport(result, outDir);
  console.table(
    tableRows(result).map((r) => ({
      configuration: r.configuration,
      'req/s': r.sustainedRps,
      'p95 ms': r.p95Ms === undefined ? '-' : +r.p95Ms.toFixed(2),
      'p99 ms': r.p99Ms === undefined ? '-' : +r.p99Ms.toFixed(2),
      'CPU %': r.peakCpuPercent,
      'mem MB': r.peakMemoryMb,
      efficiency: r.efficiency === undefined ? '-' : `${Math.round(r.efficiency * 100)} %`,
      'limited by': r.limit,
    })),
  );
  log(`report: ${files.markdown}\n        ${files.html}`);
  if (configs.every((c) => c.error)) throw new Error('no configuration could be measured (see the report)');
});
