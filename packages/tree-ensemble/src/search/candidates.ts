import { Rng } from '../learn/random.ts';
import type { Distribution, SearchSpace } from './presets.ts';

/** Every candidate's full params (fixed + grid point or random draw + derived), in a stable order. */
export function expandCandidates(space: SearchSpace, seed: number): Record<string, unknown>[] {
  const points: Record<string, unknown>[] = [];
  if (space.grid) {
    const keys = Object.keys(space.grid);
    let combos: Record<string, unknown>[] = [{}];
    for (const key of keys) {
      const values = space.grid[key]!;
      if (values.length === 0) throw new RangeError(`grid for "${key}" has no values`);
      combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
    }
    points.push(...combos);
  }
  if (space.random) {
    const rng = new Rng(seed);
    const entries = Object.entries(space.random.distributions);
    for (let i = 0; i < space.random.candidates; i++) {
      points.push(Object.fromEntries(entries.map(([key, d]) => [key, draw(d, rng)])));
    }
  }
  if (points.length === 0) throw new RangeError('the search space has neither a grid nor a random section');
  return points.map((point) => {
    const params = { ...space.fixed, ...point };
    return { ...params, ...space.derive?.(params) };
  });
}

function draw(d: Distribution, rng: Rng): unknown {
  if ('values' in d) return d.values[rng.int(d.values.length)];
  if ('uniform' in d) return d.uniform[0] + rng.next() * (d.uniform[1] - d.uniform[0]);
  if ('logUniform' in d) {
    const [a, b] = d.logUniform;
    // Rounded to 4 significant digits: readable in MLflow, and still reproducible from the seed.
    return Number(Math.exp(Math.log(a) + rng.next() * (Math.log(b) - Math.log(a))).toPrecision(4));
  }
  return d.int[0] + rng.int(d.int[1] - d.int[0] + 1);
}
