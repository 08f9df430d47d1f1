import { mlflowError } from './errors.ts';

/** `<key> = '<value>'`: `status`, `name`, `run_id`, `tags.<key>`, `params.<key>` (an `attributes.` prefix is dropped). */
export interface Equality {
  key: string;
  value: string;
}

const CLAUSE = /^\s*(?:(?:attributes?|attr|run)\.)?([\w.]+)\s*=\s*(?:'([^']*)'|"([^"]*)")\s*$/i;

/**
 * The part of MLflow's filter grammar the stack sends, for the local store and the test server: equality
 * clauses joined by AND (`name='m' and run_id='r'`, `attributes.status = 'RUNNING'`). Anything else —
 * OR, LIKE, comparisons — is refused with INVALID_PARAMETER_VALUE, as MLflow refuses what it cannot parse.
 */
export function parseEqualityFilter(filter: string | undefined): Equality[] {
  if (!filter || filter.trim() === '') return [];
  return filter.split(/\s+and\s+/i).map((part) => {
    const m = CLAUSE.exec(part);
    if (!m || /\s+or\s+/i.test(part)) {
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Invalid clause(s) in filter string: '${part.trim()}' (only key = 'value' clauses joined by AND are supported here)`,
      );
    }
    return { key: m[1]!, value: m[2] ?? m[3]! };
  });
}

/** True when every clause holds; `get` reads a key (`status`, `tags.x`, …) from the candidate. */
export function matchesAll(clauses: readonly Equality[], get: (key: string) => unknown): boolean {
  return clauses.every((c) => {
    const actual = get(c.key);
    return actual !== undefined && actual !== null && String(actual) === c.value;
  });
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

/** Sorts by MLflow-style order clauses (`start_time DESC`, `name ASC`): the default orders of MLflow's searches. */
export function sortBy<T>(
  items: T[],
  orderBy: readonly string[],
  get: (item: T, key: string) => unknown,
): T[] {
  const keys = orderBy.map((clause) => {
    const m = /^\s*(.+?)(?:\s+(ASC|DESC))?\s*$/i.exec(clause)!;
    return {
      key: m[1]!,
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
