// pnpm loadtest:sweep — runs the configuration matrix (Docker when an engine with Compose v2 answers,
// else local processes), then writes loadtest/results/<timestamp>/report.md, report.html, results.json.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { runMain } from '@covertype/service-kit';
import { parseServingCsv } from '../lib/payloads.ts';
import { type CgroupSupport, probeCgroups } from './cgroups.ts';
import { configLabel } from './matrix.ts';
import { prepareModel } from './model.ts';
import { abortProcessMode, processModeLimitations, runProcessConfig } from './process-mode.ts';
import { tableRows } from './report.ts';
import { loadSettings, repoRoot, type Settings, USAGE } from './settings.ts';
import type { ConfigResult, SweepResult } from './types.ts';
import { writeReport } from './write-report.ts';

function answers(args: string[]): boolean {
  try {
    execFileSync('docker', args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Undefined when Docker mode can run here, else why not (one line). */
function dockerMissing(): string | undefined {
  if (!answers(['info', '--format', '{{.ServerVersion}}'])) return 'no Docker engine (`docker info` failed)';
  if (!answers(['compose', 'version'])) {
    return 'a Docker engine answered but Docker Compose v2 did not (`docker compose version` failed)';
  }
  return undefined;
}

function chooseMode(s: Settings): { mode: 'docker' | 'process'; reason: string } {
  const how = process.argv.some((a) => a === '--mode' || a.startsWith('--mode='))
    ? `--mode ${s.SWEEP_MODE}`
    : `SWEEP_MODE=${s.SWEEP_MODE}`;
  if (s.SWEEP_MODE === 'process') return { mode: 'process', reason: `forced with ${how}` };
  const missing = dockerMissing();
  if (s.SWEEP_MODE === 'docker') {
    if (missing) {
      throw new Error(`${how} cannot run: ${missing}; install it, or run with --mode process`);
    }
    return { mode: 'docker', reason: `forced with ${how}` };
  }
  return missing
    ? { mode: 'process', reason: `chosen automatically: ${missing}` }
    : { mode: 'docker', reason: 'chosen automatically: a Docker engine with Compose v2 answered' };
}

function limitsSupport(s: Settings): CgroupSupport {
  if (s.SWEEP_LIMITS === 'off') return { ok: false, reason: 'turned off with SWEEP_LIMITS=off' };
  const support = probeCgroups();
  if (!support.ok && s.SWEEP_LIMITS === 'cgroups') {
    throw new Error(`SWEEP_LIMITS=cgroups cannot run: ${support.reason}`);
  }
  return support;
}

/** The first line of an error, short enough for a one-line refusal. */
const firstLine = (text: string) => (text.trim().split('\n')[0] ?? '').slice(0, 300);

await runMain('loadtest-sweep', async () => {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const s = loadSettings(process.argv.slice(2));
  const { mode, reason: modeReason } = chooseMode(s);
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
  log(`sweep: ${mode} mode (${modeReason}), ${s.SWEEP_CONFIGS.length} configuration(s), report in ${outDir}`);

  const configs: ConfigResult[] = [];
  let limitations: string[];
  let generator: string;
  let limitsEnforced = true;
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
    const cgroups = limitsSupport(s);
    limitsEnforced = cgroups.ok;
    log(
      cgroups.ok
        ? 'sweep: CPU and memory limits enforced with cgroup v1 (one group per replica)'
        : `sweep: CPU and memory limits NOT enforced: ${cgroups.reason}`,
    );
    // A Ctrl-C or kill must not leave replicas running or their groups behind.
    const abort = (code: number) => () => {
      abortProcessMode();
      process.exit(code);
    };
    process.once('SIGINT', abort(130));
    process.once('SIGTERM', abort(143));
    process.once('exit', abortProcessMode);
    generator =
      '@covertype/loadgen open loop (one thread, in the sweep process), constant arrival rate per step';
    limitations = processModeLimitations(cgroups, s.SWEEP_PIN_CPUS && !cgroups.ok, cpus().length);
    for (const [i, config] of s.SWEEP_CONFIGS.entries()) {
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
        cgroups,
        label: `c${i + 1}`,
        log,
      });
      if (result.error) log(`  not measured: ${result.error}`);
      configs.push(result);
    }
  }

  // Nothing measured: a report would be all zeros. Refuse with the reason instead.
  const failed = configs.find((c) => c.error);
  if (configs.every((c) => c.error)) {
    throw new Error(`no configuration could be measured in ${mode} mode: ${firstLine(failed?.error ?? '')}`);
  }
  const result: SweepResult = {
    mode,
    modeReason,
    limitsEnforced,
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
});
