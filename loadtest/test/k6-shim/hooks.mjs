// Node module hooks that resolve k6's built-in modules to the stand-ins beside this file, so the
// scenario scripts can be loaded and driven by node:test (k6 itself is not installable from npm).
const STUBS = {
  k6: 'k6.mjs',
  'k6/data': 'data.mjs',
  'k6/execution': 'execution.mjs',
  'k6/http': 'http.mjs',
  'k6/metrics': 'metrics.mjs',
};

export async function resolve(specifier, context, next) {
  const stub = STUBS[specifier];
  if (stub) return { url: new URL(stub, import.meta.url).href, shortCircuit: true };
  return next(specifier, context);
}
