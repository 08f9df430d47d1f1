import type { FeatureMatrix } from '../src/index.ts';

/**
 * A tiny separable data set: 12 features, the class (0..6) decided by feature 0 alone
 * (bands of width 10), other features noise from a fixed sequence.
 */
export function separable(rowsPerClass = 12): { x: FeatureMatrix; y: Uint8Array } {
  const n = rowsPerClass * 7;
  const values = new Float32Array(n * 12);
  const y = new Uint8Array(n);
  let s = 7;
  const noise = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  for (let i = 0; i < n; i++) {
    const c = i % 7;
    y[i] = c;
    values[i * 12] = c * 10 + Math.floor(noise() * 9);
    for (let f = 1; f < 12; f++) values[i * 12 + f] = Math.floor(noise() * 100);
  }
  return { x: { rows: n, cols: 12, values }, y };
}
