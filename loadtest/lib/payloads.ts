// Request bodies built from rows of covertype_serving.csv. Pure: imports nothing from k6 or Node,
// so the k6 scripts and node:test share it.

/** The ten numeric features, in the CSV's (and the model's) order. */
export const NUMERIC_COLUMNS = [
  'Elevation',
  'Aspect',
  'Slope',
  'Horizontal_Distance_To_Hydrology',
  'Vertical_Distance_To_Hydrology',
  'Horizontal_Distance_To_Roadways',
  'Hillshade_9am',
  'Hillshade_Noon',
  'Hillshade_3pm',
  'Horizontal_Distance_To_Fire_Points',
] as const;

export type NumericColumn = (typeof NUMERIC_COLUMNS)[number];

/** One POST /predict body: the workshop's ten numeric features plus the two categorical ones. */
export type PredictRow = Record<NumericColumn, number> & {
  Wilderness_Area?: string;
  Soil_Type?: number;
};

export interface BatchBody {
  rows: PredictRow[];
}

/** Splits one CSV line on commas, honouring double-quoted fields ("a,b" and "" escapes). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/**
 * Parses covertype_serving.csv (or covertype.csv: extra columns such as Cover_Type are ignored) into
 * request rows. Lines that are blank are skipped; a missing numeric column or a non-numeric value is an
 * error naming the line, because a load test on silently broken payloads measures the 400 path.
 */
export function parseServingCsv(text: string, maxRows = Number.POSITIVE_INFINITY): PredictRow[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((name) => name.trim());
  const index = NUMERIC_COLUMNS.map((name) => {
    const at = header.indexOf(name);
    if (at < 0) throw new Error(`CSV header has no column ${name}; got: ${header.join(',')}`);
    return at;
  });
  const wilderness = header.indexOf('Wilderness_Area');
  const soil = header.indexOf('Soil_Type');
  const rows: PredictRow[] = [];
  for (let n = 1; n < lines.length && rows.length < maxRows; n++) {
    const line = lines[n] ?? '';
    if (line.trim() === '') continue;
    const fields = splitCsvLine(line);
    const row = {} as PredictRow;
    NUMERIC_COLUMNS.forEach((name, i) => {
      const raw = fields[index[i] ?? -1]?.trim() ?? '';
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value)) {
        throw new Error(`CSV line ${n + 1}: ${name} is ${JSON.stringify(raw)}, expected a number`);
      }
      row[name] = value;
    });
    const area = wilderness >= 0 ? fields[wilderness]?.trim() : undefined;
    if (area) row.Wilderness_Area = area;
    const soilCode = soil >= 0 ? Number(fields[soil]) : Number.NaN;
    if (Number.isInteger(soilCode) && soilCode > 0) row.Soil_Type = soilCode;
    rows.push(row);
  }
  if (rows.length === 0) throw new Error('CSV has a header but no data rows');
  return rows;
}

/** Deterministic row choice: iteration i of the test gets row i modulo the pool. */
export function pickRow<T>(rows: ArrayLike<T>, iteration: number): T {
  const row = rows[((iteration % rows.length) + rows.length) % rows.length];
  if (row === undefined) throw new Error('no rows to pick from');
  return row;
}

/** A batch of `size` consecutive rows starting at iteration × size, wrapping around the pool. */
export function buildBatch(rows: ArrayLike<PredictRow>, iteration: number, size: number): BatchBody {
  const batch: PredictRow[] = [];
  for (let i = 0; i < size; i++) batch.push(pickRow(rows, iteration * size + i));
  return { rows: batch };
}

/**
 * Chooses the endpoint for iteration i so that, over any window of 1/share iterations, the share of batch
 * calls is exact (no randomness: two runs with the same settings send the same requests).
 */
export function isBatchIteration(iteration: number, batchShare: number): boolean {
  if (batchShare <= 0) return false;
  if (batchShare >= 1) return true;
  return Math.floor((iteration + 1) * batchShare) > Math.floor(iteration * batchShare);
}
