import type { FeatureMatrix } from './features.ts';

/**
 * Exact split candidates for the forest: every feature's distinct values, ascending, and each
 * row's rank among them (column-major). NaN gets the code one past the last value, so it always
 * sorts last. Splits "x <= values[code]" are exact in float32, like the boosting bins.
 */
export interface ValueCodes {
  rows: number;
  cols: number;
  /** codes[f * rows + r] */
  codes: Uint32Array;
  values: Float32Array[];
}

export function fitValueCodes(x: FeatureMatrix): ValueCodes {
  const { rows, cols } = x;
  const codes = new Uint32Array(rows * cols);
  const values: Float32Array[] = [];
  const order = new Uint32Array(rows);
  const column = new Float32Array(rows);
  for (let f = 0; f < cols; f++) {
    for (let r = 0; r < rows; r++) {
      column[r] = x.values[r * cols + f]!;
      order[r] = r;
    }
    // NaN sorts last: comparator puts it after every number.
    order.sort((a, b) => {
      const va = column[a]!;
      const vb = column[b]!;
      if (Number.isNaN(va)) return Number.isNaN(vb) ? 0 : 1;
      if (Number.isNaN(vb)) return -1;
      return va - vb;
    });
    const distinct: number[] = [];
    const base = f * rows;
    for (let i = 0; i < rows; i++) {
      const r = order[i]!;
      const v = column[r]!;
      if (Number.isNaN(v)) {
        codes[base + r] = 0xffffffff;
        continue;
      }
      if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
      codes[base + r] = distinct.length - 1;
    }
    for (let r = 0; r < rows; r++) if (codes[base + r] === 0xffffffff) codes[base + r] = distinct.length;
    values.push(Float32Array.from(distinct));
  }
  return { rows, cols, codes, values };
}
