import { MlflowError, statusForCode } from '../../src/errors.ts';

export type Args = Record<string, unknown>;

export function apiError(code: string, message: string): MlflowError {
  return new MlflowError(code, message, statusForCode(code));
}

export const invalid = (message: string) => apiError('INVALID_PARAMETER_VALUE', message);
const missing = (name: string) =>
  invalid(
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );

const typeName = (v: unknown) =>
  typeof v === 'number'
    ? Number.isInteger(v)
      ? 'int'
      : 'float'
    : typeof v === 'boolean'
      ? 'bool'
      : Array.isArray(v)
        ? 'list'
        : typeof v === 'object'
          ? 'dict'
          : 'str';

/** A string field; a JSON number is rejected like MLflow's validator does (`"version": 1` → 400). */
export function str(args: Args, name: string, required = false): string | undefined {
  const v = args[name];
  if (v === undefined || v === null || v === '') {
    if (required) throw missing(name);
    return undefined;
  }
  if (typeof v !== 'string') {
    throw invalid(
      `Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied. Hint: Value was of type '${typeName(v)}'. See the API docs for more information about request parameters.`,
    );
  }
  return v;
}

/** experiment_id may be a JSON number too: the server stringifies it. */
export function id(args: Args, name: string, required = false): string | undefined {
  const v = args[name];
  if (typeof v === 'number') return String(v);
  return str(args, name, required);
}

/** An int64 field: a JSON number in bodies, a decimal string in query strings. */
export function int(
  args: Args,
  name: string,
  options: { required?: boolean; max?: number } = {},
): number | undefined {
  const v = args[name];
  if (v === undefined || v === null || v === '') {
    if (options.required) throw missing(name);
    return undefined;
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n)) {
    throw invalid(
      `Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied. Hint: Value was of type '${typeName(v)}'. See the API docs for more information about request parameters.`,
    );
  }
  if (options.max !== undefined && n > options.max) {
    // MLflow's GET validators report this with a misleading type hint; the code is what matters.
    throw invalid(
      `Invalid value ${n} for parameter '${name}' supplied. Hint: Value was of type 'str'. See the API docs for more information about request parameters.`,
    );
  }
  return n;
}

export function bool(args: Args, name: string): boolean | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw invalid(
    `Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied. Hint: Value was of type '${typeName(v)}'.`,
  );
}

export function list(args: Args, name: string): unknown[] {
  const v = args[name];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function strList(args: Args, name: string): string[] {
  return list(args, name).map((v) => {
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string')
      throw invalid(`Invalid value for parameter '${name}': expected a list of strings`);
    return v;
  });
}

export function tagList(args: Args, name = 'tags'): { key: string; value: string }[] {
  return list(args, name).map((t) => {
    const tag = t as { key?: unknown; value?: unknown };
    if (typeof tag?.key !== 'string') throw missing('key');
    return { key: tag.key, value: tag.value === undefined || tag.value === null ? '' : String(tag.value) };
  });
}

const KEY_RE = /^[/\w.\- :]*$/;
export function checkKey(kind: string, key: string): void {
  if (!KEY_RE.test(key) || key.length > 250 || key.split('/').includes('..') || key.startsWith('/')) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
}
