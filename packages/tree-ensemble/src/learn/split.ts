import { Rng } from './random.ts';

/** Stratified train/test split of row indexes by label (each class split in the same proportion). */
export function stratifiedSplit(
  y: ArrayLike<number>,
  testFraction: number,
  seed: number,
): { train: Uint32Array; test: Uint32Array } {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`test fraction ${testFraction} is invalid; expected a fraction in (0, 1)`);
  }
  const rng = new Rng(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const members of byClass(y)) {
    rng.shuffle(members);
    const nTest = Math.round(members.length * testFraction);
    for (let i = 0; i < members.length; i++) (i < nTest ? test : train).push(members[i]!);
  }
  return { train: Uint32Array.from(train).sort(), test: Uint32Array.from(test).sort() };
}

/** Stratified k folds: each fold's validation rows, with every class dealt round-robin after a shuffle. */
export function stratifiedKFold(
  y: ArrayLike<number>,
  k: number,
  seed: number,
): { train: Uint32Array; test: Uint32Array }[] {
  if (!(Number.isInteger(k) && k >= 2 && k <= y.length)) {
    throw new RangeError(`k = ${k} folds is invalid; expected an integer 2..${y.length}`);
  }
  const rng = new Rng(seed);
  const fold = new Int32Array(y.length);
  let offset = 0;
  for (const members of byClass(y)) {
    rng.shuffle(members);
    for (let i = 0; i < members.length; i++) fold[members[i]!] = (i + offset) % k;
    offset += members.length;
  }
  const out: { train: Uint32Array; test: Uint32Array }[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < y.length; i++) (fold[i] === f ? test : train).push(i);
    out.push({ train: Uint32Array.from(train), test: Uint32Array.from(test) });
  }
  return out;
}

function byClass(y: ArrayLike<number>): number[][] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const c = y[i]!;
    const g = groups.get(c);
    if (g) g.push(i);
    else groups.set(c, [i]);
  }
  return [...groups.keys()].sort((a, b) => a - b).map((c) => groups.get(c)!);
}
