/** A per-request model choice that names no registered model (a path, a bucket URL, a typo). */
export class ModelRefError extends Error {
  override name = 'ModelRefError';
  constructor(readonly ref: string) {
    super(`${JSON.stringify(ref)} is not a registered model reference`);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,127}$/;

/**
 * Turns a per-request model choice into a registry URI. Only registered names are accepted
 * (never paths or bucket URLs, which would let a client read arbitrary files):
 * `name` → the same alias or stage as MODEL_URI, `name@alias`, `name/3`, `name/Production`.
 */
export function modelRefToUri(ref: string, defaultUri: string): string {
  const at = ref.indexOf('@');
  const slash = ref.indexOf('/');
  const name = at >= 0 ? ref.slice(0, at) : slash >= 0 ? ref.slice(0, slash) : ref;
  const suffix = at >= 0 ? ref.slice(at) : slash >= 0 ? ref.slice(slash) : defaultSuffix(defaultUri);
  if (!NAME.test(name) || !/^(@[A-Za-z0-9_-]{1,255}|\/[A-Za-z0-9_-]{1,64})$/.test(suffix)) {
    throw new ModelRefError(ref);
  }
  return `models:/${name}${suffix}`;
}

/** The `@alias` or `/stage` of a models:/ URI; `@champion` otherwise. */
export function defaultSuffix(uri: string): string {
  const match = /^models:\/[^/@]+(@[^/]+|\/[^/]+)$/.exec(uri);
  return match ? match[1]! : '@champion';
}

/** The registered name of a models:/ URI, if it is one. */
export function registeredName(uri: string): string | undefined {
  return /^models:\/([^/@]+)/.exec(uri)?.[1];
}
