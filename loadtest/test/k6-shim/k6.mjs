// Stand-in for the 'k6' module: check() runs every predicate and records the outcome; group() records
// its name and runs the function.
export const recorded = { checks: [], groups: [] };

export function check(value, checks) {
  let ok = true;
  for (const [name, predicate] of Object.entries(checks)) {
    const passed = Boolean(predicate(value));
    recorded.checks.push({ name, passed });
    ok &&= passed;
  }
  return ok;
}

export function group(name, fn) {
  recorded.groups.push(name);
  return fn();
}

export function fail(message) {
  throw new Error(message);
}

export function sleep() {}
