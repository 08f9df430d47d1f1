import { CSV_COLUMNS, soilTypeFromUciIndex, WILDERNESS_AREAS } from '@covertype/schema';

export const UCI_COVTYPE_URL =
  'https://archive.ics.uci.edu/ml/machine-learning-databases/covtype/covtype.data.gz';
/** Rows in the published covtype.data.gz. */
export const UCI_COVTYPE_ROWS = 581_012;
/** 10 numeric, 4 one-hot wilderness areas, 40 one-hot soil types, the class. */
export const UCI_COLUMNS = 55;
const NUMERIC = 10;
const WILDERNESS_START = 10;
const SOIL_START = 14;
const CLASS_INDEX = 54;

/** covtype.data.gz is not what its documentation says; the message names the line and the problem. */
export class UciFormatError extends Error {
  override name = 'UciFormatError';
}

/** The index of the single "1" among fields[start, end), or a message saying what is wrong. */
function oneHot(fields: readonly string[], start: number, end: number, what: string, line: number): number {
  let hot = -1;
  for (let i = start; i < end; i++) {
    const v = fields[i]!.trim();
    if (v === '1') {
      if (hot >= 0) {
        throw new UciFormatError(
          `line ${line}: more than one ${what} column is 1 (columns ${hot + 1} and ${i + 1}); expected exactly one`,
        );
      }
      hot = i;
    } else if (v !== '0') {
      throw new UciFormatError(`line ${line}: column ${i + 1} (${what}) is "${v}", expected 0 or 1`);
    }
  }
  if (hot < 0) throw new UciFormatError(`line ${line}: no ${what} column is 1; expected exactly one`);
  return hot - start;
}

/**
 * One line of covtype.data (55 comma-separated integers) as the CSV values of the project's schema:
 * the wilderness one-hot becomes its name and the soil one-hot its ELU code.
 */
export function reshapeUciLine(text: string, line: number): string[] {
  const fields = text.split(',');
  if (fields.length !== UCI_COLUMNS) {
    throw new UciFormatError(`line ${line}: has ${fields.length} columns, expected ${UCI_COLUMNS}`);
  }
  const out: string[] = [];
  for (let i = 0; i < NUMERIC; i++) {
    const v = fields[i]!.trim();
    if (!/^-?\d+$/.test(v)) {
      throw new UciFormatError(
        `line ${line}: column ${i + 1} (${CSV_COLUMNS[i]}) is "${v}", expected an integer`,
      );
    }
    out.push(String(Number(v)));
  }
  out.push(WILDERNESS_AREAS[oneHot(fields, WILDERNESS_START, SOIL_START, 'wilderness area', line)]!);
  const soil = soilTypeFromUciIndex(oneHot(fields, SOIL_START, CLASS_INDEX, 'soil type', line) + 1);
  out.push(String(soil));
  const label = fields[CLASS_INDEX]!.trim();
  if (!/^[1-7]$/.test(label)) {
    throw new UciFormatError(`line ${line}: Cover_Type is "${label}", expected a class 1..7`);
  }
  out.push(label);
  return out;
}

export interface ReshapeResult {
  rows: number;
  byClass: Record<string, number>;
}

/**
 * Reshapes covtype.data lines into the CSV (header first), calling write for each output chunk.
 * Verifies every line, and the row count when expectedRows is given.
 */
export async function reshapeUci(
  lines: AsyncIterable<string>,
  write: (chunk: string) => Promise<void> | void,
  expectedRows?: number,
  onProgress?: (rows: number) => void,
): Promise<ReshapeResult> {
  const byClass: Record<string, number> = {};
  let rows = 0;
  let line = 0;
  let buffer = `${CSV_COLUMNS.join(',')}\n`;
  for await (const raw of lines) {
    line++;
    const text = raw.trim();
    if (text === '') continue;
    const values = reshapeUciLine(text, line);
    rows++;
    const label = values[12]!;
    byClass[label] = (byClass[label] ?? 0) + 1;
    buffer += `${values.join(',')}\n`;
    if (buffer.length > 1 << 16) {
      await write(buffer);
      buffer = '';
    }
    if (onProgress && rows % 100_000 === 0) onProgress(rows);
  }
  if (buffer) await write(buffer);
  if (expectedRows !== undefined && rows !== expectedRows) {
    throw new UciFormatError(`has ${rows} rows, expected ${expectedRows} (a truncated or different file?)`);
  }
  return { rows, byClass };
}
