import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '@covertype/service-kit';
import type { Logger } from 'pino';

/** The data API's own server entry: started as a process, never imported (services share no code). */
const DATA_API_SERVER = fileURLToPath(new URL('../../../data-api/src/server.ts', import.meta.url));

export interface DataApiProcess {
  url: string;
  close(): Promise<void>;
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the data API stopped at start (${child.signalCode ?? `exit ${child.exitCode}`}): ${output().trim()}`,
      );
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the data API did not answer ${url}/healthz within 60 s: ${output().trim()}`);
}

/**
 * With no DATA_API_URL the trainer starts the data API itself, as a child process on a loopback port
 * serving DATA_PATH (its own default CSV when unset) with MIN_UPDATE_TIME 0 and a fixed seed:
 * `pnpm pipeline` then works with nothing running, and the ingest task still goes through HTTP exactly
 * as against a deployed data API. Development only: the images set DATA_API_URL.
 */
export async function startDataApiProcess(
  dataPath: string | undefined,
  log: Logger,
): Promise<DataApiProcess> {
  const port = await freePort();
  const stateDir = await mkdtemp(path.join(tmpdir(), 'covertype-data-api-'));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, DATA_API_SERVER], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(dataPath ? { DATA_PATH: dataPath } : {}),
      MIN_UPDATE_TIME: '0',
      DATA_SEED: 'covertype-pipeline',
      DATA_STATE_PATH: path.join(stateDir, 'state.json'),
      // Its per-request logs would drown the pipeline's; warnings and errors still show.
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  // Whatever ends the trainer (an error before close, process.exit), the data API must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await once(child, 'exit');
      clearTimeout(timer);
    }
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(url, child, () => output);
  } catch (err) {
    await close();
    throw err;
  }
  log.info(
    { url, dataPath: dataPath ?? 'the data API default', childPid: child.pid },
    'data API process started (DATA_API_URL unset)',
  );
  return { url, close };
}
