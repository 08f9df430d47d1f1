import { CSV_COLUMNS, checkRecord } from '@covertype/schema';
import { splitCsvLine } from './csv-line.ts';
import { type Dataset, RowKind } from './dataset.ts';

const WILDERNESS_INDEX = 10;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** One row as a JSON array in CSV column order: numbers as numbers, Wilderness_Area as a string. */
export function rowJson(dataset: Dataset, row: number): string {
  const { text } = dataset;
  const start = dataset.starts[row]!;
  const end = dataset.ends[row]!;
  const kind = dataset.kinds[row];
  if (kind === RowKind.plain) {
    // Already JSON but for the quotes around the wilderness name (the 11th field).
    let open = start;
    for (let f = 0; f < WILDERNESS_INDEX; f++) open = text.indexOf(',', open) + 1;
    const close = text.indexOf(',', open);
    return `[${text.slice(start, open)}"${text.slice(open, close)}"${text.slice(close, end)}]`;
  }
  const fields = splitCsvLine(text.slice(start, end));
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
