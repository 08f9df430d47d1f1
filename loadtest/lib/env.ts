// Reading the script's settings (-e NAME=value, k6's __ENV). Pure: k6 passes __ENV in, tests pass a
// plain object. A bad value stops the test before it starts, with the variable, the value and what
// was expected: a load test on a mistyped setting measures the wrong thing for its whole duration.

export type Env = Record<string, string | undefined>;

export class SettingError extends Error {
  override name = 'SettingError';
}

const given = (env: Env, name: string) => {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
};

export function readNumber(
  env: Env,
  name: string,
  fallback: number,
  min = 0,
  max = Number.POSITIVE_INFINITY,
) {
  const raw = given(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new SettingError(`${name}=${JSON.stringify(raw)}: expected a number ${range}`);
  }
  return value;
}

export function readDuration(env: Env, name: string, fallback: string): string {
  const raw = given(env, name);
  if (raw === undefined) return fallback;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(raw)) {
    throw new SettingError(`${name}=${JSON.stringify(raw)}: expected a k6 duration such as 30s, 2m or 1h30m`);
  }
  return raw;
}

export function readChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = given(env, name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new SettingError(`${name}=${JSON.stringify(raw)}: expected one of ${choices.join(', ')}`);
  }
  return raw as T;
}
