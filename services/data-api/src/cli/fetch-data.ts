import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { createLogger, parseConfig, runMain } from '@covertype/service-kit';
import { z } from 'zod';
import { repoRoot } from '../config.ts';
import { reshapeUci, UCI_COVTYPE_ROWS, UCI_COVTYPE_URL } from '../fetch/covtype-uci.ts';

const USAGE = `usage: pnpm data:fetch [--source URL|FILE] [--out FILE] [--expected-rows N] [--force]
Downloads the UCI covertype data (covtype.data.gz), verifies it and writes it as the project's CSV.
  --source          URL or local file (.gz is gunzipped); default COVTYPE_URL or ${UCI_COVTYPE_URL}
  --out             output CSV; default DATA_PATH or .data/covtype.csv in the repository
  --expected-rows   rows the file must have; default ${UCI_COVTYPE_ROWS}, 0 to skip the check
  --force           download again even when the output exists`;

const EnvSchema = z.object({
  DATA_PATH: z.string().default(path.resolve(repoRoot, '.data/covtype.csv')),
  COVTYPE_URL: z.string().default(UCI_COVTYPE_URL),
  LOG_LEVEL: z.string().default('info'),
  INIT_CWD: z.string().optional(),
});

async function openSource(source: string): Promise<Readable> {
  if (/^https?:\/\//.test(source)) {
    let res: Response;
    try {
      res = await fetch(source);
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      throw new Error(`cannot download ${source}: ${cause}`);
    }
    if (!res.ok || !res.body)
      throw new Error(`cannot download ${source}: HTTP ${res.status} ${res.statusText}`);
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  }
  const stream = createReadStream(source);
  try {
    // events.once rejects when 'error' comes first.
    await once(stream, 'open');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`cannot read ${source}: ${e.code === 'ENOENT' ? 'no such file (ENOENT)' : e.message}`);
  }
  return stream;
}

await runMain('data:fetch', async () => {
  // `pnpm data:fetch -- --out x` hands the "--" on; it is not an argument here.
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args: args[0] === '--' ? args.slice(1) : args,
    options: {
      source: { type: 'string' },
      out: { type: 'string' },
      'expected-rows': { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const env = parseConfig(EnvSchema);
  const base = env.INIT_CWD ?? process.cwd();
  const logger = createLogger('data-fetch', env.LOG_LEVEL);
  const source = values.source ?? env.COVTYPE_URL;
  const out = path.resolve(base, values.out ?? env.DATA_PATH);
  const expectedText = values['expected-rows'] ?? String(UCI_COVTYPE_ROWS);
  if (!/^\d+$/.test(expectedText))
    throw new Error(`--expected-rows must be a whole number, got "${expectedText}"`);
  const expectedRows = Number(expectedText) || undefined;

  if (!values.force && (await stat(out).catch(() => undefined))) {
    logger.info({ out }, 'output exists; nothing to do (--force downloads again)');
    return;
  }
  const input = /^https?:\/\//.test(source) ? source : path.resolve(base, source);
  logger.info({ source: input, out }, 'fetching covertype data');
  const raw = await openSource(input);
  const text = input.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const gunzipFailed = new Promise<never>((_, reject) =>
    text.once('error', (err) => reject(new Error(`cannot read ${input}: ${err.message}`))),
  );

  await mkdir(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const file = createWriteStream(tmp);
  const writeFailed = new Promise<never>((_, reject) =>
    file.once('error', (err) => reject(new Error(`cannot write ${tmp}: ${err.message}`))),
  );
  try {
    const write = async (chunk: string) => {
      if (!file.write(chunk)) await once(file, 'drain');
    };
    const lines = createInterface({ input: text, crlfDelay: Number.POSITIVE_INFINITY });
    const result = await Promise.race([
      reshapeUci(lines, write, expectedRows, (rows) => logger.info({ rows }, 'rows checked')),
      gunzipFailed,
      writeFailed,
    ]);
    file.end();
    await Promise.race([once(file, 'close'), writeFailed]);
    await rename(tmp, out);
    logger.info({ out, rows: result.rows, byClass: result.byClass }, 'covertype data written');
  } catch (err) {
    // Late errors of the abandoned stream are expected now; the first failure is what gets reported.
    file.on('error', () => {});
    file.destroy();
    await once(file, 'close').catch(() => undefined);
    await rm(tmp, { force: true });
    throw new Error(`${input}: ${(err as Error).message}`);
  }
});
