// Stand-in for the 'k6' module: check() runs every predicate and records the outcome.
export const recorded = { checks: [] };

export function check(value, checks) {
  let ok = true;
  for (const [name, predicate] of Object.entries(checks)) {
    const passed = Boolean(predicate(value));
    recorded.checks.push({ name, passed });
    ok &&= passed;
  }
  return ok;
}

export function fail(message) {
  throw new Error(message);
}

export function sleep() {}
