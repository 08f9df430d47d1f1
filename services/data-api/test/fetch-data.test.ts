import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { checkRecord, SOIL_TYPES } from '@covertype/schema';
import { runTs } from '@covertype/testkit';
import { parseDataset } from '../src/dataset/dataset.ts';
import { reshapeUci, reshapeUciLine, UciFormatError } from '../src/fetch/covtype-uci.ts';
import { tempDir } from './helper.ts';

const entry = fileURLToPath(new URL('../src/cli/fetch-data.ts', import.meta.url));

/** A covtype.data line: wilderness 1..4 and soil 1..40 as the UCI one-hot columns. */
function uciLine(numeric: number[], wilderness: number, soil: number, label: number): string {
  const w = [0, 0, 0, 0];
  w[wilderness - 1] = 1;
  const s = new Array<number>(40).fill(0);
  s[soil - 1] = 1;
  return [...numeric, ...w, ...s, label].join(',');
}

const NUMERIC = [2596, 51, 3, 258, 0, 510, 221, 232, 148, 6279];

test('a UCI line becomes the CSV row: one-hot wilderness → name, one-hot soil → ELU code', () => {
  assert.deepEqual(reshapeUciLine(uciLine(NUMERIC, 1, 29, 5), 1), [
    ...NUMERIC.map(String),
    'Rawah',
    '7745',
    '5',
  ]);
  assert.deepEqual(reshapeUciLine(uciLine(NUMERIC, 3, 1, 2), 1).slice(10), ['Commanche', '2702', '2']);
  assert.deepEqual(reshapeUciLine(uciLine(NUMERIC, 4, 40, 7), 1).slice(10), ['Cache', '8776', '7']);
  assert.deepEqual(reshapeUciLine(uciLine(NUMERIC, 2, 10, 1), 1).slice(10), ['Neota', '4703', '1']);
  for (let soil = 1; soil <= 40; soil++) {
    const row = reshapeUciLine(uciLine(NUMERIC, 1, soil, 1), 1);
    assert.equal(row[11], String(SOIL_TYPES[soil - 1]));
    assert.ok(checkRecord(row).ok, 'the reshaped row passes the schema');
  }
});

for (const [name, line, expected] of [
  ['54 columns', uciLine(NUMERIC, 1, 1, 1).replace(/,1$/, ''), /line 7: has 54 columns, expected 55/],
  [
    'two wilderness areas',
    uciLine(NUMERIC, 1, 1, 1).replace(/^((?:[^,]*,){11})0/, '$11'),
    /more than one wilderness area/,
  ],
  [
    'no soil type',
    uciLine(NUMERIC, 1, 1, 1).replace(/^((?:[^,]*,){14})1/, '$10'),
    /no soil type column is 1/,
  ],
  [
    'a one-hot value of 2',
    uciLine(NUMERIC, 1, 1, 1).replace(/^((?:[^,]*,){10})1/, '$12'),
    /column 11 \(wilderness area\) is "2"/,
  ],
  ['class 8', uciLine(NUMERIC, 1, 1, 8), /Cover_Type is "8", expected a class 1..7/],
  [
    'a non-numeric elevation',
    uciLine(NUMERIC, 1, 1, 1).replace(/^2596/, 'x'),
    /column 1 \(Elevation\) is "x"/,
  ],
] as const) {
  test(`verification refuses ${name}`, () => {
    assert.throws(
      () => reshapeUciLine(line, 7),
      (err: Error) => err instanceof UciFormatError && expected.test(err.message),
    );
  });
}

test('the row count is verified', async () => {
  const lines = [uciLine(NUMERIC, 1, 1, 1), uciLine(NUMERIC, 2, 2, 2)];
  async function* source() {
    yield* lines;
  }
  let out = '';
  const result = await reshapeUci(
    source(),
    (c) => {
      out += c;
    },
    2,
  );
  assert.deepEqual(result, { rows: 2, byClass: { 1: 1, 2: 1 } });
  assert.equal(out.split('\n').length, 4);
  await assert.rejects(
    reshapeUci(source(), () => {}, 3),
    /has 2 rows, expected 3/,
  );
});

test('pnpm data:fetch on a local .gz writes a CSV the data API loads', async (t) => {
  const dir = await tempDir(t);
  const lines = Array.from({ length: 120 }, (_, i) =>
    uciLine([2000 + i, i % 360, 5, 30, -5, 1200, 200, 220, 140, 900], (i % 4) + 1, (i % 40) + 1, (i % 7) + 1),
  );
  const gz = path.join(dir, 'covtype.data.gz');
  await writeFile(gz, gzipSync(`${lines.join('\n')}\n`));
  const out = path.join(dir, 'out', 'covtype.csv');

  const ok = await runTs(entry, { LOG_LEVEL: 'silent' }, [
    '--source',
    gz,
    '--out',
    out,
    '--expected-rows',
    '120',
  ]);
  assert.equal(ok.code, 0, ok.output);
  const dataset = parseDataset(await readFile(out), out);
  assert.equal(dataset.rows, 120);
  assert.equal(dataset.invalid.count, 0);

  const wrong = await runTs(entry, { LOG_LEVEL: 'silent' }, [
    '--source',
    gz,
    '--out',
    `${out}2`,
    '--expected-rows',
    '581012',
  ]);
  assert.equal(wrong.code, 1);
  assert.match(
    wrong.output.trim(),
    /^data:fetch: .*covtype\.data\.gz: has 120 rows, expected 581012 \(a truncated or different file\?\)$/,
  );
  assert.equal(existsSync(`${out}2`), false, 'no partial output');
  assert.deepEqual(
    (await import('node:fs')).readdirSync(path.dirname(out)),
    ['covtype.csv'],
    'no temp file left',
  );

  const missing = await runTs(entry, { LOG_LEVEL: 'silent' }, [
    '--source',
    path.join(dir, 'nope.gz'),
    '--out',
    `${out}3`,
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.output.trim(), /^data:fetch: cannot read .*nope\.gz: no such file/);
});
