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
  const column = new Float32Array(rows);
  for (let f = 0; f < cols; f++) {
    for (let r = 0; r < rows; r++) column[r] = x.values[r * cols + f]!;
    // Typed-array sort is numeric and puts NaN last.
    const sorted = Float32Array.from(column).sort();
    let d = 0;
    for (let i = 0; i < rows; i++) {
      const v = sorted[i]!;
      if (Number.isNaN(v)) break;
      if (d === 0 || v !== sorted[d - 1]) sorted[d++] = v;
    }
    const distinct = sorted.slice(0, d);
    const base = f * rows;
    for (let r = 0; r < rows; r++) {
      const v = column[r]!;
      if (Number.isNaN(v)) {
        codes[base + r] = d;
        continue;
      }
      let lo = 0;
      let hi = d - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (distinct[mid]! < v) lo = mid + 1;
        else hi = mid;
      }
      codes[base + r] = lo;
    }
    values.push(distinct);
  }
  return { rows, cols, codes, values };
}
