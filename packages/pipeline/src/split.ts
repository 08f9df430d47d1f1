/** mulberry32: a tiny seeded PRNG, so the same seed gives the same split on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Stratified train/test split: each class is shuffled with the seed and cut at the same fraction,
 * so class proportions match in both parts (as scikit-learn's train_test_split(stratify=y)).
 * Input order must be deterministic (the store reads rows by key) for the split to be reproducible.
 */
export function stratifiedSplit<T>(
  rows: readonly T[],
  label: (row: T) => number,
  testFraction: number,
  seed: number,
): { train: T[]; test: T[] } {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`test fraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  }
  const random = seededRandom(seed);
  const byClass = new Map<number, T[]>();
  for (const row of rows) {
    const key = label(row);
    const list = byClass.get(key);
    if (list) list.push(row);
    else byClass.set(key, [row]);
  }
  const train: T[] = [];
  const test: T[] = [];
  for (const key of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = byClass.get(key)!;
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    // A class with a single row stays in train: it cannot be represented in both parts.
    const nTest = list.length < 2 ? 0 : Math.max(1, Math.round(list.length * testFraction));
    test.push(...list.slice(0, nTest));
    train.push(...list.slice(nTest));
  }
  return { train, test };
}
