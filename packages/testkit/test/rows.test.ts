import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { dataFile, readDataRows } from '../src/index.ts';

const lines = readFileSync(dataFile('covertype.csv'), 'utf8').split('\n', 50);
const thirteen = (record: string[]) =>
  record.length === 13 ? { ok: true as const, row: record } : { ok: false as const };

describe('readDataRows', () => {
  it('reads the first rows after the header, field by field', () => {
    assert.deepEqual(
      readDataRows(thirteen, 3),
      [lines[1], lines[2], lines[3]].map((l) => l!.trim().split(',')),
    );
  });

  it('starts `skip` lines after the header and keeps only what the check accepts', () => {
    assert.deepEqual(
      readDataRows(thirteen, 2, { skip: 10 }),
      [lines[11], lines[12]].map((l) => l!.trim().split(',')),
    );
    const odd = (record: string[]) =>
      Number(record[0]) % 2 === 1 ? { ok: true as const, row: record[0] } : { ok: false as const };
    const expected = lines
      .slice(1)
      .map((l) => l.split(',')[0]!)
      .filter((v) => Number(v) % 2 === 1)
      .slice(0, 4);
    assert.deepEqual(readDataRows(odd, 4), expected);
  });

  it('returns fewer rows when the file has no more, and none for a limit of 0', () => {
    assert.deepEqual(
      readDataRows(() => ({ ok: false }), 5),
      [],
    );
    assert.deepEqual(readDataRows(thirteen, 0), []);
  });
});
