import type { FeatureMatrix } from './features.ts';

/** Bin reserved for NaN (missing or unknown category); real values use bins 0..maxBins-1 (≤ 255). */
export const MISSING_BIN = 255;
export const MAX_BINS = 255;

export interface BinMapper {
  /** Per feature: the largest value of each bin, ascending (float32). */
  upper: Float32Array[];
  nBins: Uint16Array;
}

/**
 * Quantile bins per feature: a feature with ≤ maxBins distinct values gets one bin per value;
 * otherwise the bin edges are quantiles of its values. Edges are real data values, so a split
 * "x <= upper[bin]" is exact in float32 and needs no midpoint rounding.
 */
export function fitBins(x: FeatureMatrix, maxBins = MAX_BINS): BinMapper {
  if (!(maxBins >= 2 && maxBins <= MAX_BINS)) {
    throw new RangeError(`maxBins ${maxBins} is out of range; expected 2..${MAX_BINS}`);
  }
  const upper: Float32Array[] = [];
  const nBins = new Uint16Array(x.cols);
  const column = new Float32Array(x.rows);
  for (let f = 0; f < x.cols; f++) {
    let m = 0;
    for (let r = 0; r < x.rows; r++) {
      const v = x.values[r * x.cols + f]!;
      if (!Number.isNaN(v)) column[m++] = v;
    }
    const sorted = column.subarray(0, m).sort();
    const distinct: number[] = [];
    for (let i = 0; i < m; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
    let edges: number[];
    if (distinct.length <= maxBins) {
      edges = distinct;
    } else {
      edges = [];
      for (let b = 1; b <= maxBins; b++) {
        const v = sorted[Math.min(m - 1, Math.ceil((b * m) / maxBins) - 1)]!;
        if (edges.length === 0 || v > edges[edges.length - 1]!) edges.push(v);
      }
    }
    if (edges.length === 0) edges = [0];
    upper.push(Float32Array.from(edges));
    nBins[f] = edges.length;
  }
  return { upper, nBins };
}

/** Row-major bin codes [rows × cols]; NaN → MISSING_BIN; values above the last edge → the last bin. */
export function applyBins(x: FeatureMatrix, bins: BinMapper): Uint8Array {
  const out = new Uint8Array(x.rows * x.cols);
  for (let f = 0; f < x.cols; f++) {
    const edges = bins.upper[f]!;
    const last = edges.length - 1;
    for (let r = 0; r < x.rows; r++) {
      const i = r * x.cols + f;
      const v = x.values[i]!;
      if (Number.isNaN(v)) {
        out[i] = MISSING_BIN;
        continue;
      }
      let lo = 0;
      let hi = last;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (v <= edges[mid]!) hi = mid;
        else lo = mid + 1;
      }
      out[i] = lo;
    }
  }
  return out;
}
