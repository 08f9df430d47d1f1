import { mlflowError } from './errors.ts';

/** A clause of MLflow's search filter grammar: `<type>.<key> <op> <value>`, joined by AND only. */
export interface Clause {
  type: 'metrics' | 'params' | 'tags' | 'attributes';
  key: string;
  op: '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE';
  value: string | number;
}

const CLAUSE =
  /^\s*(?:(metrics?|params?|parameters?|tags?|attributes?|attr|run)\.)?("[^"]+"|`[^`]+`|[\w.]+)\s*(!=|>=|<=|=|>|<|\bI?LIKE\b)\s*('(?:[^']*)'|"(?:[^"]*)"|-?[\d.eE+-]+)\s*$/i;

const TYPE_ALIASES: Record<string, Clause['type']> = {
  metric: 'metrics',
  metrics: 'metrics',
  param: 'params',
  params: 'params',
  parameter: 'params',
  parameters: 'params',
  tag: 'tags',
  tags: 'tags',
  attribute: 'attributes',
  attributes: 'attributes',
  attr: 'attributes',
  run: 'attributes',
};

function unquote(s: string): string {
  return /^["'`].*["'`]$/.test(s) ? s.slice(1, -1) : s;
}

/** Parses a filter string; `or` and other syntax MLflow rejects raise INVALID_PARAMETER_VALUE. */
export function parseFilter(filter: string | undefined): Clause[] {
  if (!filter || filter.trim() === '') return [];
  const parts = filter.split(/\s+and\s+/i);
  return parts.map((part) => {
    const m = CLAUSE.exec(part);
    if (!m || /\s+or\s+/i.test(part)) {
      throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid clause(s) in filter string: '${part.trim()}'`);
    }
    const type = m[1] ? TYPE_ALIASES[m[1].toLowerCase()]! : 'attributes';
    const raw = m[4]!;
    const value = /^['"]/.test(raw) ? unquote(raw) : Number(raw);
    return { type, key: unquote(m[2]!), op: m[3]!.toUpperCase() as Clause['op'], value };
  });
}

function like(value: string, pattern: string, insensitive: boolean): boolean {
  const re = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replaceAll('%', '.*')
    .replaceAll('_', '.');
  return new RegExp(`^${re}$`, insensitive ? 'is' : 's').test(value);
}

export function compare(
  actual: string | number | undefined,
  op: Clause['op'],
  expected: string | number,
): boolean {
  if (actual === undefined) return false;
  switch (op) {
    case '=':
      return String(actual) === String(expected);
    case '!=':
      return String(actual) !== String(expected);
    case 'LIKE':
      return like(String(actual), String(expected), false);
    case 'ILIKE':
      return like(String(actual), String(expected), true);
    default: {
      const a = typeof actual === 'number' ? actual : Number(actual);
      const b = typeof expected === 'number' ? expected : Number(expected);
      if (op === '>') return a > b;
      if (op === '>=') return a >= b;
      if (op === '<') return a < b;
      return a <= b;
    }
  }
}

/** Page tokens as MLflow 2.x makes them: base64 of {"offset": N}. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodePageToken(token: string | undefined): number {
  if (!token) return 0;
  try {
    const offset = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown }).offset;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw mlflowError('INVALID_PARAMETER_VALUE', 'Invalid page token, could not base64-decode');
}

/** Slices a sorted list into one page with MLflow's tokens. */
export function paginate<T>(
  items: T[],
  maxResults: number,
  pageToken?: string,
): { items: T[]; nextPageToken?: string } {
  const offset = decodePageToken(pageToken);
  const slice = items.slice(offset, offset + maxResults);
  const next = offset + maxResults < items.length ? encodePageToken(offset + maxResults) : undefined;
  return next ? { items: slice, nextPageToken: next } : { items: slice };
}

/** Sorts by MLflow order_by clauses such as `metrics.acc DESC`, `version_number DESC`, `name`. */
export function sortBy<T>(
  items: T[],
  orderBy: readonly string[] | undefined,
  get: (item: T, key: string) => unknown,
): T[] {
  if (!orderBy || orderBy.length === 0) return items;
  const keys = orderBy.map((clause) => {
    const m = /^\s*(.+?)(?:\s+(ASC|DESC))?\s*$/i.exec(clause)!;
    return {
      key: unquote(m[1]!.replace(/^(\w+)\.(["`])(.*)\2$/, '$1.$3')),
      desc: m[2]?.toUpperCase() === 'DESC',
    };
  });
  return [...items].sort((a, b) => {
    for (const { key, desc } of keys) {
      const va = get(a, key);
      const vb = get(b, key);
      // Missing values sort last, as in MLflow.
      if (va === undefined && vb === undefined) continue;
      if (va === undefined) return 1;
      if (vb === undefined) return -1;
      const cmp =
        typeof va === 'number' && typeof vb === 'number'
          ? va - vb
          : String(va).localeCompare(String(vb), 'en');
      if (cmp !== 0) return desc ? -cmp : cmp;
    }
    return 0;
  });
}
