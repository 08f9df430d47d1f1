import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  dataFile,
  freePort,
  type RunningProcess,
  repoRoot,
  runTs,
  startTs,
  waitForHttp,
} from '@covertype/testkit';
import mysql from 'mysql2/promise';

export const TRAINER = path.join(repoRoot, 'services/trainer/src/main.ts');
const DATA_API = path.join(repoRoot, 'services/data-api/src/server.ts');
const ADMIN_URL = process.env.DATABASE_TEST_URL ?? 'mysql://root@127.0.0.1:3306/test';

/**
 * A small labelled CSV: the first `rows` lines of the anomalies file, which mixes valid rows with
 * out-of-range ones, so the rejects table gets real entries. Each data API group holds a tenth.
 */
export async function smallCsv(dir: string, rows = 3000): Promise<string> {
  const text = await readFile(dataFile('covertype_anomalies.csv'), 'utf8');
  const lines = text.split('\n').slice(0, rows + 1);
  const file = path.join(dir, 'covertype-small.csv');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'trainer-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface DataApi {
  url: string;
  proc: RunningProcess;
  stop: () => Promise<void>;
}

/** The real data API as a child process. */
export async function startDataApi(
  csv: string,
  dir: string,
  options: { port?: number; minUpdateTime?: number; wait?: boolean } = {},
): Promise<DataApi> {
  const port = options.port ?? (await freePort());
  const proc = startTs(DATA_API, {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_PATH: csv,
    MIN_UPDATE_TIME: String(options.minUpdateTime ?? 0),
    DATA_SEED: 'trainer-tests',
    DATA_STATE_PATH: path.join(dir, `data-api-state-${port}.json`),
    LOG_LEVEL: 'warn',
  });
  const url = `http://127.0.0.1:${port}`;
  if (options.wait !== false) await waitForHttp(`${url}/healthz`, { timeoutMs: 30_000 });
  return {
    url,
    proc,
    stop: async () => {
      await proc.stop();
    },
  };
}

/** A database of the test's own, with a random name. */
export async function testDatabase() {
  const name = `trainer_test_${randomBytes(5).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const admin = new URL(ADMIN_URL);
  admin.pathname = '/';
  const conn = await mysql.createConnection({ uri: admin.toString() });
  await conn.query(`CREATE DATABASE \`${name}\``);
  await conn.changeUser({ database: name });
  return {
    name,
    url: url.toString(),
    conn,
    count: async (sql: string, params: unknown[] = []) => {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(sql, params);
      return Number(Object.values(rows[0]!)[0]);
    },
    drop: async () => {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

/** Runs `trainer --once` as a child process with the given environment on top of the test defaults. */
export function runTrainer(env: NodeJS.ProcessEnv, args = ['--once'], timeoutMs = 120_000) {
  return runTs(
    TRAINER,
    {
      SEARCH_PRESET: 'quick',
      // In-thread search: no worker start-up in tests; the quick grids take well under a second.
      TRAIN_WORKERS: '1',
      LOG_LEVEL: 'warn',
      TASK_RETRY_DELAY_MS: '200',
      INGEST_POLL_INTERVAL_MS: '50',
      ...env,
    },
    args,
    timeoutMs,
  );
}
