import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { CSV_COLUMNS, FEATURE_COLUMNS } from './columns.ts';
import { type CovertypeFeatures, type CovertypeRow, checkFeatures, checkRecord } from './row.ts';

/** A CSV problem that makes the whole file unusable (missing file, wrong header). */
export class CovertypeCsvError extends Error {
  override name = 'CovertypeCsvError';
}

export interface CsvReject {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  field: string;
  reason: string;
  record: string[];
}

export type CsvRecordEvent =
  | { line: number; record: string[]; ok: true; row: CovertypeRow | CovertypeFeatures }
  | { line: number; record: string[]; ok: false; field: string; reason: string };

/** Labelled files end with Cover_Type; unlabelled ones (serving payloads) stop at Soil_Type. */
export function checkHeader(header: readonly string[]): { labelled: boolean } {
  const names = header.map((h) => h.trim());
  const same = (expected: readonly string[]) =>
    names.length === expected.length && expected.every((name, i) => names[i] === name);
  if (same(CSV_COLUMNS)) return { labelled: true };
  if (same(FEATURE_COLUMNS)) return { labelled: false };
  throw new CovertypeCsvError(
    `unexpected CSV header "${names.join(',')}"; expected "${CSV_COLUMNS.join(',')}" (Cover_Type optional)`,
  );
}

/**
 * Streams a covertype CSV and yields every data record with its validation result.
 * Nothing is dropped: invalid records come out with the field and the reason.
 */
export async function* parseCovertypeCsv(input: Readable): AsyncGenerator<CsvRecordEvent, void, undefined> {
  const parser = input.pipe(
    parse({ relax_column_count: true, skip_empty_lines: true, trim: true, info: true, bom: true }),
  );
  let labelled: boolean | undefined;
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    if (labelled === undefined) {
      labelled = checkHeader(record).labelled;
      continue;
    }
    const line = info.lines;
    const expected = labelled ? CSV_COLUMNS.length : FEATURE_COLUMNS.length;
    if (record.length !== expected) {
      yield {
        line,
        record,
        ok: false,
        field: 'row',
        reason: `has ${record.length} fields, expected ${expected}`,
      };
      continue;
    }
    const check = labelled ? checkRecord(record) : checkFeatures(record);
    yield check.ok ? { line, record, ok: true, row: check.row } : { line, record, ...check };
  }
  if (labelled === undefined) throw new CovertypeCsvError('the CSV file is empty (no header)');
}

export function openCsv(path: string): Readable {
  return createReadStream(path);
}

export interface CsvSummary<Row> {
  labelled: boolean;
  rows: Row[];
  rejects: CsvReject[];
  /** Count of rejects per field, e.g. { Slope: 3, Soil_Type: 2 }. */
  rejectsByField: Record<string, number>;
  total: number;
}

/** Reads a whole covertype CSV file into typed rows plus the rejected records with their reasons. */
export async function readCovertypeCsv(path: string): Promise<CsvSummary<CovertypeRow | CovertypeFeatures>> {
  const stream = openCsv(path);
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new CovertypeCsvError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`),
      ),
    );
  });
  await opened;
  const summary: CsvSummary<CovertypeRow | CovertypeFeatures> = {
    labelled: true,
    rows: [],
    rejects: [],
    rejectsByField: {},
    total: 0,
  };
  for await (const event of parseCovertypeCsv(stream)) {
    summary.total++;
    if (event.ok) {
      summary.rows.push(event.row);
      summary.labelled = 'Cover_Type' in event.row;
    } else {
      summary.rejects.push({
        line: event.line,
        field: event.field,
        reason: event.reason,
        record: event.record,
      });
      summary.rejectsByField[event.field] = (summary.rejectsByField[event.field] ?? 0) + 1;
    }
  }
  return summary;
}
