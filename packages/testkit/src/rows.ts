import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { type DataFile, dataFile } from './data.ts';

/** What @covertype/schema's checkRecord / checkFeatures return (taken as an argument: no cycle with schema). */
export type RecordCheckFn<Row> = (record: string[]) => { ok: true; row: Row } | { ok: false };

const ENOUGH = Symbol('enough rows');

/**
 * The first `limit` records of a data file that `check` accepts, starting `skip` lines after the
 * header; parsing stops as soon as there are enough, so a few rows from a large file stay cheap.
 */
export function readDataRows<Row>(
  check: RecordCheckFn<Row>,
  limit: number,
  { skip = 0, file = 'covertype.csv' }: { skip?: number; file?: DataFile } = {},
): Row[] {
  const rows: Row[] = [];
  if (limit <= 0) return rows;
  try {
    parse(readFileSync(dataFile(file)), {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      from_line: 2 + skip,
      on_record: (record: string[]) => {
        const result = check(record);
        if (result.ok) rows.push(result.row);
        if (rows.length >= limit) throw ENOUGH;
        return null;
      },
    });
  } catch (err) {
    if (err !== ENOUGH) throw err;
  }
  return rows;
}
