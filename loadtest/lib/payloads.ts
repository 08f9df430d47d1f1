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

/** The columns every protocol body below sends, in the model's order. */
export const REQUEST_COLUMNS = [...NUMERIC_COLUMNS, 'Wilderness_Area', 'Soil_Type'] as const;

/** MLflow's dataframe_split body for POST /invocations (what pandas' to_json(orient="split") gives). */
export function dataframeSplit(rows: PredictRow[]): {
  dataframe_split: { columns: string[]; data: Array<Array<number | string | null>> };
} {
  return {
    dataframe_split: {
      columns: [...REQUEST_COLUMNS],
      data: rows.map((r) => REQUEST_COLUMNS.map((c) => r[c] ?? null)),
    },
  };
}

const csvField = (v: number | string | undefined) =>
  v === undefined
    ? ''
    : typeof v === 'string' && /[",\r\n]/.test(v)
      ? `"${v.replace(/"/g, '""')}"`
      : String(v);

/** A text/csv body for POST /invocations: a header line, then one line per row. */
export function csvBody(rows: PredictRow[]): string {
  const lines = [REQUEST_COLUMNS.join(',')];
  for (const r of rows) lines.push(REQUEST_COLUMNS.map((c) => csvField(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}

export interface V2Tensor {
  name: string;
  shape: number[];
  datatype: string;
  data: Array<number | string>;
}

/**
 * A KServe V2 (Open Inference Protocol) request: the numeric features as one FP32 [N,10] tensor, and
 * the categorical ones as [N,1] tensors when every row has them (the model fills in a missing input).
 */
export function v2InferRequest(rows: PredictRow[], id?: string): { id?: string; inputs: V2Tensor[] } {
  const n = rows.length;
  const inputs: V2Tensor[] = [
    {
      name: 'numeric',
      shape: [n, NUMERIC_COLUMNS.length],
      datatype: 'FP32',
      data: rows.flatMap((r) => NUMERIC_COLUMNS.map((c) => r[c])),
    },
  ];
  if (rows.every((r) => r.Wilderness_Area !== undefined)) {
    inputs.push({
      name: 'Wilderness_Area',
      shape: [n, 1],
      datatype: 'BYTES',
      data: rows.map((r) => r.Wilderness_Area ?? ''),
    });
  }
  if (rows.every((r) => r.Soil_Type !== undefined)) {
    inputs.push({
      name: 'Soil_Type',
      shape: [n, 1],
      datatype: 'INT64',
      data: rows.map((r) => r.Soil_Type ?? 0),
    });
  }
  return id === undefined ? { inputs } : { id, inputs };
}
