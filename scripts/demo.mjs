#!/usr/bin/env node
// `pnpm demo`: the whole flow on one machine without Docker, on embedded defaults.
//   data API on the covertype CSV → pipeline once (local table store, local-directory MLflow registry,
//   quick search) → inference API on the champion → a short load → summary; then it keeps serving
//   until Ctrl-C (or exits at once with --exit / DEMO_EXIT=1, as CI does).
// Settings (all optional): DEMO_DIR (.data/demo), DEMO_LOAD_SECONDS (5), DEMO_CONNECTIONS (8),
// DEMO_DATA_API_PORT (8000), DEMO_INFERENCE_PORT (8989), DEMO_SEARCH_PRESET (quick), DEMO_DATA_GROUP (1),
// HOST (127.0.0.1: the services listen on this machine only unless told otherwise),
// COVERTYPE_DATA_DIR (folder with covertype.csv; default ../shared/data, else the fetched copy).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runLoad } from './demo/load.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const exitWhenDone = process.argv.includes('--exit') || ['1', 'true'].includes(env.DEMO_EXIT ?? '');
const loadSeconds = Number(env.DEMO_LOAD_SECONDS ?? 5);
const connections = Number(env.DEMO_CONNECTIONS ?? 8);
const demoDir = path.resolve(root, env.DEMO_DIR ?? '.data/demo');
const host = env.HOST || '127.0.0.1';
/** Where a browser on this machine reaches a service listening on `host`. */
const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
const tsxLoader = pathToFileURL(createRequire(path.join(root, 'package.json')).resolve('tsx')).href;

const children = new Set();
let stopping = false;
/** Set once the summary is printed: from then on every child is a long-running service. */
let serving = false;

function say(line) {
  process.stdout.write(`demo: ${line}\n`);
}

class DemoError extends Error {}

/** Starts a TypeScript entry point with tsx; its output goes to a log file and, on failure, to us. */
function startTs(name, entry, childEnv, args = []) {
  const file = path.join(root, entry);
  if (!existsSync(file)) throw new DemoError(`${name}: ${entry} does not exist yet`);
  const child = spawn(process.execPath, ['--import', tsxLoader, file, ...args], {
    cwd: demoDir,
    env: {
      ...env,
      NODE_ENV: 'production',
      INIT_CWD: demoDir,
      LOG_LEVEL: env.LOG_LEVEL ?? 'info',
      HOST: host,
      ...childEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C reaches only the demo, which stops the services in order (a service
    // that got the terminal's SIGINT first would look like a crash and fail the demo).
    detached: true,
  });
  let output = '';
  const log = createWriteStream(path.join(demoDir, `${name.replace(/\W+/g, '-')}.log`));
  const keep = (chunk) => {
    log.write(chunk);
    output += chunk;
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const proc = { name, child, exited, output: () => output };
  children.add(proc);
  exited.then(({ code, signal }) => {
    children.delete(proc);
    // A service that dies while the demo serves (not a one-shot, not our own shutdown) ends the demo.
    if (serving && !stopping) {
      process.stderr.write(
        `demo: ${name} stopped unexpectedly (${signal ?? `exit ${code}`}):\n${tail(output)}\n`,
      );
      void shutdown(1);
    }
  });
  return proc;
}

function tail(text, lines = 15) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

async function stopAll() {
  await Promise.all(
    [...children].map(async ({ child, exited }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await stopAll();
  process.exit(code);
}
process.on('SIGINT', () => {
  say('stopping (Ctrl-C)');
  void shutdown(0);
});
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));
// The services run in process groups of their own: never leave one behind, whatever ends the demo.
process.on('exit', () => {
  for (const { child } of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * The wanted port when free on `host`, otherwise (or for 0) any free one, saying which was taken and
 * which was picked (a second demo or a running stack holds the usual ones).
 */
async function pickPort(wanted, service, setting) {
  const listen = (port) =>
    new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, host, () => {
        const { port: bound } = server.address();
        server.close(() => resolve(bound));
      });
    });
  try {
    return await listen(wanted);
  } catch (err) {
    const picked = await listen(0);
    say(
      `port ${wanted} is taken (${err.code ?? err.message}): the ${service} uses port ${picked} instead (set ${setting} to choose)`,
    );
    return picked;
  }
}

/** Polls url until it answers 2xx, the process exits, or the time runs out. */
async function waitFor(url, proc, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      throw new DemoError(`${proc.name} exited with code ${proc.child.exitCode}:\n${tail(proc.output())}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new DemoError(
    `${proc.name} not ready at ${url} after ${timeoutMs / 1000} s (${last}):\n${tail(proc.output())}`,
  );
}

/** COVERTYPE_DATA_DIR, when set, is the only place looked at: a wrong one stops the demo, named. */
function checkDataDir() {
  const dir = env.COVERTYPE_DATA_DIR;
  if (!dir) return;
  const resolved = path.resolve(dir);
  if (!existsSync(resolved)) throw new DemoError(`COVERTYPE_DATA_DIR=${dir}: no such folder (${resolved})`);
  if (!existsSync(path.join(resolved, 'covertype.csv'))) {
    throw new DemoError(`COVERTYPE_DATA_DIR=${dir}: no covertype.csv in ${resolved}`);
  }
}

function findData() {
  if (env.COVERTYPE_DATA_DIR) return path.resolve(env.COVERTYPE_DATA_DIR, 'covertype.csv');
  const candidates = [
    path.resolve(root, '../shared/data/covertype.csv'),
    path.resolve(root, '.data/covertype.csv'),
    path.resolve(root, '.data/covtype.csv'),
  ].filter(Boolean);
  return candidates.find((file) => existsSync(file));
}

async function ensureData() {
  const found = findData();
  if (found) return found;
  const fetcher = 'services/data-api/src/cli/fetch-data.ts';
  if (!existsSync(path.join(root, fetcher))) {
    throw new DemoError('no covertype.csv found: set COVERTYPE_DATA_DIR to the folder holding it');
  }
  say('no covertype.csv found locally: fetching it (pnpm data:fetch)');
  const proc = startTs('data:fetch', fetcher, {});
  const { code } = await proc.exited;
  const fetched = findData();
  if (code !== 0 || !fetched)
    throw new DemoError(`data:fetch failed (exit ${code}):\n${tail(proc.output())}`);
  return fetched;
}

/** A few hundred labelled rows from the end of the CSV: load payloads and an accuracy check. */
function sampleRows(csvFile, count = 500) {
  const text = readFileSync(csvFile, 'utf8');
  const lines = text.trimEnd().split('\n');
  const header = lines[0].trim().split(',');
  return lines.slice(-count).map((line) => {
    const cells = line.trim().split(',');
    const row = {};
    header.forEach((name, i) => {
      const cell = cells[i] ?? '';
      if (name === 'Wilderness_Area') row[name] = cell;
      else row[name] = cell === '' ? null : Number(cell);
    });
    return row;
  });
}

/** The champion's test accuracy as the trainer logged it (promotion gate), else the best family's. */
function findAccuracy(output) {
  const last = (key) => {
    const all = [...output.matchAll(new RegExp(`"${key}"\\s*:\\s*([0-9.]+)`, 'g'))];
    return all.length ? Number(all.at(-1)[1]) : undefined;
  };
  const candidate = last('candidateAccuracy');
  if (candidate !== undefined) return candidate;
  const tests = [...output.matchAll(/"testAccuracy"\s*:\s*([0-9.]+)/g)].map((m) => Number(m[1]));
  return tests.length ? Math.max(...tests) : undefined;
}

async function main() {
  const started = Date.now();
  checkDataDir();
  rmSync(demoDir, { recursive: true, force: true });
  mkdirSync(demoDir, { recursive: true });
  const csv = await ensureData();
  say(`data: ${csv}`);
  say(`work folder: ${path.relative(root, demoDir) || demoDir} (tables, MLflow registry, logs)`);

  const dataPort = await pickPort(Number(env.DEMO_DATA_API_PORT ?? 8000), 'data API', 'DEMO_DATA_API_PORT');
  const dataApi = startTs('data API', 'services/data-api/src/server.ts', {
    PORT: String(dataPort),
    DATA_PATH: csv,
    DATA_STATE_PATH: path.join(demoDir, 'data-api-state.json'),
    DATA_SEED: 'demo',
    MIN_UPDATE_TIME: '0',
  });
  const dataUrl = `http://${urlHost}:${dataPort}`;
  await waitFor(`${dataUrl}/healthz`, dataApi, 60_000);
  say(`data API ready: ${dataUrl}/docs`);

  const trackingUri = `file:${path.join(demoDir, 'mlruns')}`;
  const mlflowEnv = { MLFLOW_TRACKING_URI: trackingUri, MLFLOW_MODEL_CACHE_DIR: path.join(demoDir, 'cache') };
  const modelName = 'covertype';
  const trainerEntry = 'services/trainer/src/main.ts';
  if (!existsSync(path.join(root, trainerEntry))) {
    say('the trainer is not in this checkout yet: the demo stops after the data API');
    return finish({ dataUrl, started });
  }
  say('running the pipeline once (quick search preset)…');
  const trainStarted = Date.now();
  const trainer = startTs(
    'pipeline',
    trainerEntry,
    {
      ...mlflowEnv,
      DATA_API_URL: dataUrl,
      DATA_GROUP: env.DEMO_DATA_GROUP ?? '1',
      DATABASE_URL: '',
      PIPELINE_DATA_DIR: path.join(demoDir, 'tables'),
      MODEL_NAME: modelName,
      SEARCH_PRESET: env.DEMO_SEARCH_PRESET ?? 'quick',
      PIPELINE_RUN_ON_START: 'true',
    },
    ['--once'],
  );
  const { code } = await trainer.exited;
  if (code !== 0) throw new DemoError(`the pipeline failed (exit ${code}):\n${tail(trainer.output(), 30)}`);
  const accuracy = findAccuracy(trainer.output());
  say(`pipeline done in ${((Date.now() - trainStarted) / 1000).toFixed(1)} s`);

  const inferenceEntry = 'services/inference-api/src/server.ts';
  if (!existsSync(path.join(root, inferenceEntry))) {
    say('the inference API is not in this checkout yet: the demo stops after training');
    return finish({ dataUrl, accuracy, started, trained: true });
  }
  const inferencePort = await pickPort(
    Number(env.DEMO_INFERENCE_PORT ?? 8989),
    'inference API',
    'DEMO_INFERENCE_PORT',
  );
  const inference = startTs('inference API', inferenceEntry, {
    ...mlflowEnv,
    PORT: String(inferencePort),
    MODEL_URI: `models:/${modelName}@champion`,
    MODEL_CACHE_DIR: path.join(demoDir, 'models'),
    MODEL_POLL_SECONDS: '0',
  });
  const inferenceUrl = `http://${urlHost}:${inferencePort}`;
  await waitFor(`${inferenceUrl}/readyz`, inference, 90_000);
  say(`inference API ready on the champion: ${inferenceUrl}/docs`);

  const rows = sampleRows(csv);
  const load = await runLoad({ url: `${inferenceUrl}/predict`, rows, seconds: loadSeconds, connections });
  return finish({ dataUrl, inferenceUrl, accuracy, load, started, trained: true });
}

function finish({ dataUrl, inferenceUrl, accuracy, load, started, trained = false }) {
  const lines = [
    '',
    '── covertype demo ─────────────────────────────────────────────',
    `data API          ${dataUrl}/docs`,
  ];
  if (inferenceUrl) lines.push(`inference API     ${inferenceUrl}/docs   (try POST /predict)`);
  if (trained)
    lines.push(`MLflow registry   ${path.relative(root, path.join(demoDir, 'mlruns')) || demoDir}`);
  if (accuracy !== undefined)
    lines.push(`test accuracy     ${(accuracy * (accuracy <= 1 ? 100 : 1)).toFixed(2)} %`);
  if (load) {
    lines.push(
      `label match       ${(load.agreement * 100).toFixed(2)} % of ${load.checked} labelled CSV rows sent (some seen in training)`,
      `throughput        ${load.rps.toFixed(0)} req/s (${load.requests} requests, ${load.connections} connections, ${load.seconds} s)`,
      `latency           p50 ${load.p50.toFixed(2)} ms · p95 ${load.p95.toFixed(2)} ms · p99 ${load.p99.toFixed(2)} ms · max ${load.max.toFixed(2)} ms`,
      `errors            ${load.errors}`,
    );
  }
  lines.push(`total time        ${((Date.now() - started) / 1000).toFixed(1)} s`, '');
  process.stdout.write(`${lines.join('\n')}\n`);
  if (exitWhenDone) return shutdown(load && load.errors > 0 ? 1 : 0);
  serving = true;
  say('still serving: browse the URLs above; Ctrl-C stops everything');
}

main().catch(async (err) => {
  process.stderr.write(`demo: ${err instanceof DemoError ? err.message : (err.stack ?? err)}\n`);
  await shutdown(1);
});
