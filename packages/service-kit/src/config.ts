import type { z } from 'zod';

/** A configuration problem, worded for the person who set the environment. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment once with a zod schema. Empty strings count as unset, as in a
 * `.env` file where `FOO=` means "use the default".
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(environment)';
    const got = issue.path.length ? cleaned[String(issue.path[0])] : undefined;
    return `${key}=${got === undefined ? '(unset)' : JSON.stringify(got)}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}
