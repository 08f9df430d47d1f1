import { CSV_COLUMNS, FEATURE_COLUMNS, LABEL_COLUMN, NUMERIC_FEATURE_NAMES } from '@covertype/schema';

/** Table names, prefixed so the pipeline can share a database with other services. */
export const TABLES = {
  raw: 'covertype_raw',
  rejects: 'covertype_rejects',
  train: 'covertype_train',
  test: 'covertype_test',
  runs: 'pipeline_runs',
  tasks: 'pipeline_task_runs',
  migrations: 'pipeline_schema_migrations',
} as const;

export const PREPARED_TABLES = [TABLES.train, TABLES.test, TABLES.rejects] as const;

export const q = (name: string) => `\`${name}\``;

const KEY_COLUMNS = `
  group_number SMALLINT UNSIGNED NOT NULL,
  batch_number INT UNSIGNED NOT NULL,
  row_index INT UNSIGNED NOT NULL`;

// Raw values are kept as text exactly as they arrived, so a malformed row can still be stored and
// rejected later with its reason instead of failing the insert.
const rawTable = `CREATE TABLE ${q(TABLES.raw)} (${KEY_COLUMNS},
  ${CSV_COLUMNS.map((c) => `${q(c)} VARCHAR(255) NULL`).join(',\n  ')},
  ingested_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (group_number, batch_number, row_index)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

const cleanTable = (name: string) => `CREATE TABLE ${q(name)} (${KEY_COLUMNS},
  ${NUMERIC_FEATURE_NAMES.map((c) => `${q(c)} DOUBLE NOT NULL`).join(',\n  ')},
  ${q('Wilderness_Area')} VARCHAR(16) NOT NULL,
  ${q('Soil_Type')} SMALLINT UNSIGNED NOT NULL,
  ${q(LABEL_COLUMN)} TINYINT UNSIGNED NOT NULL,
  PRIMARY KEY (group_number, batch_number, row_index)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

const rejectsTable = (name: string) => `CREATE TABLE ${q(name)} (${KEY_COLUMNS},
  field VARCHAR(64) NOT NULL,
  reason VARCHAR(512) NOT NULL,
  raw_values TEXT NOT NULL,
  PRIMARY KEY (group_number, batch_number, row_index)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

const runsTable = `CREATE TABLE ${q(TABLES.runs)} (
  run_id VARCHAR(64) NOT NULL PRIMARY KEY,
  dag VARCHAR(128) NOT NULL,
  trigger_kind VARCHAR(32) NOT NULL,
  status VARCHAR(16) NOT NULL,
  started_at DATETIME(3) NOT NULL,
  ended_at DATETIME(3) NULL,
  error TEXT NULL,
  KEY by_start (started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

const tasksTable = `CREATE TABLE ${q(TABLES.tasks)} (
  run_id VARCHAR(64) NOT NULL,
  task VARCHAR(128) NOT NULL,
  attempt SMALLINT UNSIGNED NOT NULL,
  status VARCHAR(16) NOT NULL,
  started_at DATETIME(3) NULL,
  ended_at DATETIME(3) NULL,
  error TEXT NULL,
  PRIMARY KEY (run_id, task, attempt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

/** Schema changes, applied in order once per database (migrations.ts); never edit one that shipped. */
export const MIGRATIONS: readonly { version: number; name: string; statements: readonly string[] }[] = [
  {
    version: 1,
    name: 'raw, train, test, rejects, runs and task runs',
    statements: [
      rawTable,
      cleanTable(TABLES.train),
      cleanTable(TABLES.test),
      rejectsTable(TABLES.rejects),
      runsTable,
      tasksTable,
    ],
  },
];

export const RAW_COLUMNS_SQL = ['group_number', 'batch_number', 'row_index', ...CSV_COLUMNS]
  .map(q)
  .join(', ');
export const CLEAN_COLUMNS = [...FEATURE_COLUMNS, LABEL_COLUMN] as const;
export const CLEAN_COLUMNS_SQL = ['group_number', 'batch_number', 'row_index', ...CLEAN_COLUMNS]
  .map(q)
  .join(', ');
export const REJECT_COLUMNS_SQL = 'group_number, batch_number, row_index, field, reason, raw_values';

/** A raw value as text: strings as they are, anything else as JSON; null/undefined stay NULL. */
export function rawText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 255 ? text.slice(0, 255) : text;
}

/** Rows per INSERT statement: well under max_allowed_packet, few round trips. */
export const INSERT_CHUNK = 1000;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
