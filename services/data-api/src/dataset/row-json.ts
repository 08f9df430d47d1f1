import { CSV_COLUMNS, checkRecord } from '@covertype/schema';
import { splitCsvLine } from './csv-line.ts';
import { type Dataset, RowKind } from './dataset.ts';

const WILDERNESS_INDEX = CSV_COLUMNS.indexOf('Wilderness_Area');
const COMMA = 44;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');
const QUOTE = Buffer.from('"');

/**
 * Appends one row as a JSON array in CSV column order (numbers as numbers, Wilderness_Area as a
 * string) to chunks, and returns its length in bytes. A plain row is already JSON but for the quotes
 * around the wilderness name, so it is served as slices of the file's own bytes.
 */
export function appendRowJson(dataset: Dataset, row: number, chunks: Buffer[]): number {
  const { bytes } = dataset;
  const start = dataset.starts[row]!;
  const end = dataset.ends[row]!;
  if (dataset.kinds[row] === RowKind.plain) {
    let open = start;
    for (let f = 0; f < WILDERNESS_INDEX; f++) open = bytes.indexOf(COMMA, open) + 1;
    const close = bytes.indexOf(COMMA, open);
    chunks.push(
      OPEN,
      bytes.subarray(start, open),
      QUOTE,
      bytes.subarray(open, close),
      QUOTE,
      bytes.subarray(close, end),
      CLOSE,
    );
    return end - start + 4;
  }
  const json = Buffer.from(irregularRowJson(bytes.toString('utf8', start, end), dataset.kinds[row]!), 'utf8');
  chunks.push(json);
  return json.length;
}

/** The row as a JSON string (tests, and anything that wants one row). */
export function rowJson(dataset: Dataset, row: number): string {
  const chunks: Buffer[] = [];
  const length = appendRowJson(dataset, row, chunks);
  return Buffer.concat(chunks, length).toString('utf8');
}

function irregularRowJson(line: string, kind: number): string {
  const fields = splitCsvLine(line);
  if (kind === RowKind.valid) {
    const check = checkRecord(fields);
    if (check.ok) return JSON.stringify(CSV_COLUMNS.map((c) => check.row[c]));
  }
  // Invalid rows are served as they are; the pipeline's validation step rejects them with a reason.
  return JSON.stringify(fields.map((f, i) => (i === WILDERNESS_INDEX ? f : rawValue(f))));
}

function rawValue(field: string): number | string | null {
  if (field === '') return null;
  if (NUMBER.test(field)) {
    const n = Number(field);
    if (Number.isFinite(n)) return n;
  }
  return field;
}
