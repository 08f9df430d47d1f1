import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CovertypeCsvError, CSV_COLUMNS, checkHeader, checkRecord } from '@covertype/schema';
import { splitCsvLine } from './csv-line.ts';
import { isPlainValidRow } from './fast-row.ts';

/** How a row is stored: how it was checked decides how it is turned into JSON. */
export const RowKind = { plain: 0, valid: 1, invalid: 2 } as const;

export interface InvalidRow {
  /** 1-based line in the file; the header is line 1. */
  line: number;
  field: string;
  reason: string;
}

export interface InvalidReport {
  count: number;
  byField: Record<string, number>;
  /** Count per field and reason without the offending value, e.g. "Slope is above the maximum 90". */
  byReason: Record<string, number>;
  /** The first few, in file order. */
  examples: InvalidRow[];
}

/**
 * The whole file kept as its bytes plus where each row starts and ends: a few bytes per row instead of
 * one JavaScript object per row, so 581,012 rows take about 40 MB.
 */
export interface Dataset {
  source: string;
  bytes: Buffer;
  starts: Uint32Array;
  ends: Uint32Array;
  kinds: Uint8Array;
  rows: number;
  invalid: InvalidReport;
  /** sha256 of the file, so saved progress is only resumed on the same data. */
  fingerprint: string;
}

export const MAX_EXAMPLES = 20;
const EXPECTED_FIELDS = CSV_COLUMNS.length;

export class DatasetError extends CovertypeCsvError {
  override name = 'DatasetError';
}

/** Reads and checks DATA_PATH; every failure is a DatasetError with a message for the person who set it. */
export async function loadDataset(path: string): Promise<Dataset> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'no such file (set DATA_PATH, or run `pnpm data:fetch` to download the data)'
        : e.code === 'EISDIR'
          ? 'it is a directory, expected a CSV file'
          : e.code === 'EACCES'
            ? 'permission denied'
            : e.message;
    throw new DatasetError(`cannot read DATA_PATH ${path}: ${why}`);
  }
  return parseDataset(bytes, path);
}

/** Ten groups of ten batches need at least one row each. */
export const MIN_ROWS = 100;

export function parseDataset(bytes: Buffer, source: string, minRows = MIN_ROWS): Dataset {
  const fingerprint = createHash('sha256').update(bytes).digest('hex');
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (isBlank(bytes, bom, bytes.length)) {
    throw new DatasetError(`${source} is empty; expected a CSV with a header line`);
  }
  const headerEnd = lineEnd(bytes, bom);
  const header = splitCsvLine(bytes.toString('utf8', bom, trimCr(bytes, bom, headerEnd)));
  let labelled: boolean;
  try {
    labelled = checkHeader(header).labelled;
  } catch (err) {
    throw new DatasetError(`${source}: ${(err as Error).message}`);
  }
  if (!labelled) {
    throw new DatasetError(
      `${source} has no Cover_Type column; the data API serves labelled rows (header "${CSV_COLUMNS.join(',')}")`,
    );
  }

  // Upper bound on the row count, so the arrays are allocated once.
  let capacity = 0;
  for (let i = bytes.indexOf(NEWLINE); i >= 0; i = bytes.indexOf(NEWLINE, i + 1)) capacity++;
  const starts = new Uint32Array(capacity + 1);
  const ends = new Uint32Array(capacity + 1);
  const kinds = new Uint8Array(capacity + 1);
  const invalid: InvalidReport = { count: 0, byField: {}, byReason: {}, examples: [] };

  let rows = 0;
  let line = 1;
  for (let pos = headerEnd + 1; pos < bytes.length; ) {
    const next = lineEnd(bytes, pos);
    const end = trimCr(bytes, pos, next);
    line++;
    if (end > pos && !isBlank(bytes, pos, end)) {
      starts[rows] = pos;
      ends[rows] = end;
      if (isPlainValidRow(bytes, pos, end)) kinds[rows] = RowKind.plain;
      else {
        const problem = checkLine(bytes.toString('utf8', pos, end));
        if (problem === undefined) kinds[rows] = RowKind.valid;
        else {
          kinds[rows] = RowKind.invalid;
          recordInvalid(invalid, { line, ...problem });
        }
      }
      rows++;
    }
    pos = next + 1;
  }
  if (rows < minRows) {
    throw new DatasetError(
      `${source} has ${rows === 0 ? 'no data rows' : `only ${rows} data rows`}; at least ${minRows} are needed ` +
        '(10 groups of 10 batches)',
    );
  }
  return {
    source,
    bytes,
    starts: starts.subarray(0, rows),
    ends: ends.subarray(0, rows),
    kinds: kinds.subarray(0, rows),
    rows,
    invalid,
    fingerprint,
  };
}

/** The schema's verdict on a line the fast path did not accept; undefined when it is valid. */
function checkLine(line: string): { field: string; reason: string } | undefined {
  const fields = splitCsvLine(line);
  if (fields.length !== EXPECTED_FIELDS) {
    return { field: 'row', reason: `has ${fields.length} fields, expected ${EXPECTED_FIELDS}` };
  }
  const check = checkRecord(fields);
  return check.ok ? undefined : { field: check.field, reason: check.reason };
}

function recordInvalid(report: InvalidReport, row: InvalidRow): void {
  report.count++;
  report.byField[row.field] = (report.byField[row.field] ?? 0) + 1;
  const key = reasonKind(row);
  report.byReason[key] = (report.byReason[key] ?? 0) + 1;
  if (report.examples.length < MAX_EXAMPLES) report.examples.push(row);
}

/** "110 is above the maximum 90" on Slope → "Slope is above the maximum 90" (the value dropped). */
export function reasonKind({ field, reason }: { field: string; reason: string }): string {
  const at = reason.lastIndexOf(' is ');
  return at >= 0 ? `${field}${reason.slice(at)}` : `${field} ${reason}`;
}

const NEWLINE = 10;

function lineEnd(bytes: Buffer, pos: number): number {
  const i = bytes.indexOf(NEWLINE, pos);
  return i < 0 ? bytes.length : i;
}

function trimCr(bytes: Buffer, start: number, end: number): number {
  return end > start && bytes[end - 1] === 13 ? end - 1 : end;
}

function isBlank(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return false;
  }
  return true;
}
