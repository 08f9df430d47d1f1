import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CSV_COLUMNS } from '@covertype/schema';
import pino from 'pino';
import { buildApp } from '../src/app.ts';
import { type Dataset, parseDataset } from '../src/dataset/dataset.ts';
import { MemoryStateStore, type StateStore } from '../src/state/state-store.ts';

export const HEADER = CSV_COLUMNS.join(',');
const AREAS = ['Rawah', 'Neota', 'Commanche', 'Cache'];

/** A valid CSV line whose Elevation (2000 + i) tells which row of the file it is. */
export function validLine(i: number): string {
  return [2000 + i, i % 360, i % 60, 30, -5, 1200, 200, 220, 140, 900, AREAS[i % 4], 7745, (i % 7) + 1].join(
    ',',
  );
}

export function csv(lines: string[], header = HEADER): Buffer {
  return Buffer.from(`${header}\n${lines.join('\n')}\n`);
}

export function syntheticDataset(rows = 200, extra: string[] = []): Dataset {
  const lines = Array.from({ length: rows }, (_, i) => validLine(i));
  return parseDataset(csv([...lines, ...extra]), 'synthetic.csv');
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let t = start;
  return {
    now: () => t,
    advance: (seconds: number) => {
      t += seconds * 1000;
    },
  };
}

/** Log lines written by the app, for tests that check a warning. */
export function captureLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

export interface TestAppOptions {
  dataset?: Dataset;
  store?: StateStore;
  minUpdateTime?: number;
  seed?: string;
  now?: () => number;
  logger?: pino.Logger;
}

export async function testApp(options: TestAppOptions = {}) {
  return buildApp({
    dataset: options.dataset ?? syntheticDataset(),
    store: options.store ?? new MemoryStateStore(),
    minUpdateTime: options.minUpdateTime ?? 5,
    seed: 'seed' in options ? options.seed : 'test-seed',
    now: options.now ?? Date.now,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

export interface DataBody {
  group_number: number;
  batch_number: number;
  data: Array<Array<number | string | null>>;
}

export async function getData(app: Awaited<ReturnType<typeof testApp>>, group: number | string) {
  const res = await app.inject({ method: 'GET', url: `/data?group_number=${group}` });
  return { status: res.statusCode, body: res.json() as DataBody & { message?: string; field?: string } };
}

export async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'data-api-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
