import { MISSING_BIN } from './binning.ts';
import { TreeBuilder } from './tree-builder.ts';

/** Histogram slots per feature (bins 0..254 + the missing bin), 3 numbers each: gradient, hessian, count. */
const SLOTS = 256;
const STRIDE = 3;

export interface HistTreeOptions {
  maxLeaves: number;
  /** Maximum depth (root = 0); Infinity for none. */
  maxDepth: number;
  minSamplesLeaf: number;
  minHessianLeaf: number;
  l2: number;
  /** Multiplies every leaf value (the learning rate). */
  shrinkage: number;
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  /** Gradient and hessian sums of the left child (from the split scan). */
  gl: number;
  hl: number;
}

interface GrowNode {
  id: number;
  start: number;
  end: number;
  g: number;
  h: number;
  depth: number;
  hist: Float64Array | null;
  split: Split | null;
}

/**
 * Grows one regression tree on gradients/hessians, leaf-wise (best gain first) over binned features,
 * building the smaller child's histogram and deriving the larger one by subtraction.
 * Rows are `index[0..m)`; the array is reordered so each leaf owns a contiguous range.
 */
export class HistTreeGrower {
  private readonly pool: Float64Array[] = [];
  private readonly histSize: number;
  /** Row counts per slot of the last root histogram built with counting (reused while the rows stay the same). */
  private readonly rootCnt: Float64Array;
  /** The bin codes read 4 at a time (little-endian), when each row is a whole number of words. */
  private readonly words: Uint32Array | null;

  constructor(
    private readonly bins: Uint8Array,
    private readonly cols: number,
    private readonly nBins: Uint16Array,
    private readonly upper: Float32Array[],
    private readonly opts: HistTreeOptions,
  ) {
    this.histSize = cols * SLOTS * STRIDE;
    this.rootCnt = new Float64Array(cols * SLOTS);
    this.words =
      cols % 4 === 0 && bins.byteOffset % 4 === 0 && new Uint8Array(Uint32Array.of(1).buffer)[0] === 1
        ? new Uint32Array(bins.buffer, bins.byteOffset, bins.length / 4)
        : null;
  }

  /**
   * Returns the tree plus, per leaf, its row range in `index` and its value, so the caller can
   * update the training predictions without walking the tree.
   * `sameRows`: index[0..m) holds the same set of rows as in the previous call (as for the trees of
   * the other classes in a boosting round), so the root's row counts per bin are reused.
   */
  grow(
    grad: Float64Array,
    hess: Float64Array,
    index: Uint32Array,
    m: number,
    classId: number,
    sameRows = false,
  ): { tree: ReturnType<TreeBuilder['build']>; leaves: { start: number; end: number; value: number }[] } {
    const builder = new TreeBuilder(1);
    const root: GrowNode = {
      id: builder.add(),
      start: 0,
      end: m,
      g: 0,
      h: 0,
      depth: 0,
      hist: null,
      split: null,
    };
    let g = 0;
    let h = 0;
    for (let i = 0; i < m; i++) {
      const r = index[i]!;
      g += grad[r]!;
      h += hess[r]!;
    }
    root.g = g;
    root.h = h;
    const rootCnt = this.rootCnt;
    if (sameRows) {
      const hist = this.buildSums(grad, hess, index, 0, m);
      for (let s = 0; s < rootCnt.length; s++) hist[s * STRIDE + 2] = rootCnt[s]!;
      root.hist = hist;
    } else {
      const hist = this.build(grad, hess, index, 0, m);
      for (let s = 0; s < rootCnt.length; s++) rootCnt[s] = hist[s * STRIDE + 2]!;
      root.hist = hist;
    }
    this.findSplit(root);
    const open: GrowNode[] = [root];
    const done: GrowNode[] = [];
    let leaves = 1;
    while (leaves < this.opts.maxLeaves) {
      let best = -1;
      for (let i = 0; i < open.length; i++) {
        const s = open[i]!.split;
        if (s && (best < 0 || s.gain > open[best]!.split!.gain)) best = i;
      }
      if (best < 0) break;
      const node = open[best]!;
      open.splice(best, 1);
      const [l, r] = this.splitNode(node, builder, grad, hess, index);
      leaves++;
      for (const child of [l, r]) {
        if (child.hist) this.findSplit(child);
        if (child.split) open.push(child);
        else {
          this.release(child);
          done.push(child);
        }
      }
    }
    for (const node of open) {
      this.release(node);
      done.push(node);
    }
    const out: { start: number; end: number; value: number }[] = [];
    for (const node of done) {
      const value = Math.fround((-node.g / (node.h + this.opts.l2)) * this.opts.shrinkage);
      builder.setLeaf(node.id, [value]);
      out.push({ start: node.start, end: node.end, value });
    }
    return { tree: builder.build(classId), leaves: out };
  }

  private alloc(): Float64Array {
    const h = this.pool.pop();
    if (h) {
      // Only the slots of real bins and the missing bin are ever written.
      for (let f = 0; f < this.cols; f++) {
        const base = f * SLOTS * STRIDE;
        h.fill(0, base, base + this.nBins[f]! * STRIDE);
        h.fill(0, base + MISSING_BIN * STRIDE, base + (MISSING_BIN + 1) * STRIDE);
      }
      return h;
    }
    return new Float64Array(this.histSize);
  }

  private release(node: GrowNode): void {
    if (node.hist) this.pool.push(node.hist);
    node.hist = null;
  }

  private build(grad: Float64Array, hess: Float64Array, index: Uint32Array, start: number, end: number) {
    const hist = this.alloc();
    const bins = this.bins;
    const cols = this.cols;
    const words = this.words;
    if (words) {
      // Four bin codes per load and the feature loop unrolled by four (fewer loads, bounds checks and
      // loop steps); the same additions in the same order as the loop below.
      const wpr = cols >> 2;
      for (let i = start; i < end; i++) {
        const r = index[i]!;
        const gr = grad[r]!;
        const he = hess[r]!;
        const o = r * wpr;
        for (let q = 0, fb = 0; q < wpr; q++, fb += 4 * SLOTS * STRIDE) {
          const w = words[o + q]!;
          const k0 = fb + (w & 255) * STRIDE;
          hist[k0] = hist[k0]! + gr;
          hist[k0 + 1] = hist[k0 + 1]! + he;
          hist[k0 + 2] = hist[k0 + 2]! + 1;
          const k1 = fb + SLOTS * STRIDE + ((w >>> 8) & 255) * STRIDE;
          hist[k1] = hist[k1]! + gr;
          hist[k1 + 1] = hist[k1 + 1]! + he;
          hist[k1 + 2] = hist[k1 + 2]! + 1;
          const k2 = fb + 2 * SLOTS * STRIDE + ((w >>> 16) & 255) * STRIDE;
          hist[k2] = hist[k2]! + gr;
          hist[k2 + 1] = hist[k2 + 1]! + he;
          hist[k2 + 2] = hist[k2 + 2]! + 1;
          const k3 = fb + 3 * SLOTS * STRIDE + (w >>> 24) * STRIDE;
          hist[k3] = hist[k3]! + gr;
          hist[k3 + 1] = hist[k3 + 1]! + he;
          hist[k3 + 2] = hist[k3 + 2]! + 1;
        }
      }
      return hist;
    }
    for (let i = start; i < end; i++) {
      const r = index[i]!;
      const gr = grad[r]!;
      const he = hess[r]!;
      const o = r * cols;
      for (let f = 0; f < cols; f++) {
        const k = (f * SLOTS + bins[o + f]!) * STRIDE;
        hist[k] = hist[k]! + gr;
        hist[k + 1] = hist[k + 1]! + he;
        hist[k + 2] = hist[k + 2]! + 1;
      }
    }
    return hist;
  }

  /** Like build, without the row counts (left at 0). */
  private buildSums(grad: Float64Array, hess: Float64Array, index: Uint32Array, start: number, end: number) {
    const hist = this.alloc();
    const bins = this.bins;
    const cols = this.cols;
    const words = this.words;
    if (words) {
      // As in build.
      const wpr = cols >> 2;
      for (let i = start; i < end; i++) {
        const r = index[i]!;
        const gr = grad[r]!;
        const he = hess[r]!;
        const o = r * wpr;
        for (let q = 0, fb = 0; q < wpr; q++, fb += 4 * SLOTS * STRIDE) {
          const w = words[o + q]!;
          const k0 = fb + (w & 255) * STRIDE;
          hist[k0] = hist[k0]! + gr;
          hist[k0 + 1] = hist[k0 + 1]! + he;
          const k1 = fb + SLOTS * STRIDE + ((w >>> 8) & 255) * STRIDE;
          hist[k1] = hist[k1]! + gr;
          hist[k1 + 1] = hist[k1 + 1]! + he;
          const k2 = fb + 2 * SLOTS * STRIDE + ((w >>> 16) & 255) * STRIDE;
          hist[k2] = hist[k2]! + gr;
          hist[k2 + 1] = hist[k2 + 1]! + he;
          const k3 = fb + 3 * SLOTS * STRIDE + (w >>> 24) * STRIDE;
          hist[k3] = hist[k3]! + gr;
          hist[k3 + 1] = hist[k3 + 1]! + he;
        }
      }
      return hist;
    }
    for (let i = start; i < end; i++) {
      const r = index[i]!;
      const gr = grad[r]!;
      const he = hess[r]!;
      const o = r * cols;
      for (let f = 0; f < cols; f++) {
        const k = (f * SLOTS + bins[o + f]!) * STRIDE;
        hist[k] = hist[k]! + gr;
        hist[k + 1] = hist[k + 1]! + he;
      }
    }
    return hist;
  }

  private findSplit(node: GrowNode): void {
    node.split = null;
    const { minSamplesLeaf, minHessianLeaf, l2, maxDepth } = this.opts;
    const count = node.end - node.start;
    if (node.depth >= maxDepth || count < 2 * minSamplesLeaf) return;
    const hist = node.hist!;
    const G = node.g;
    const H = node.h;
    const parent = (G * G) / (H + l2);
    let bestGain = 1e-12;
    let best: Split | null = null;
    for (let f = 0; f < this.cols; f++) {
      const base = f * SLOTS * STRIDE;
      const mk = base + MISSING_BIN * STRIDE;
      const mg = hist[mk]!;
      const mh = hist[mk + 1]!;
      const mc = hist[mk + 2]!;
      const nb = this.nBins[f]!;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < nb; b++) {
        const k = base + b * STRIDE;
        gl += hist[k]!;
        hl += hist[k + 1]!;
        cl += hist[k + 2]!;
        // Missing values to the right (with everything above the edge).
        if (b < nb - 1 || mc > 0) {
          const cr = count - cl;
          const hr = H - hl;
          if (cl >= minSamplesLeaf && cr >= minSamplesLeaf && hl >= minHessianLeaf && hr >= minHessianLeaf) {
            const gr = G - gl;
            const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parent;
            if (gain > bestGain) {
              bestGain = gain;
              // With no missing values in the node, unseen NaN follows the larger child.
              best = { gain, feature: f, bin: b, missingLeft: mc === 0 && cl >= cr, gl, hl };
            }
          }
        }
        // Missing values to the left.
        if (mc > 0 && b < nb - 1) {
          const cl2 = cl + mc;
          const hl2 = hl + mh;
          const cr = count - cl2;
          const hr = H - hl2;
          if (
            cl2 >= minSamplesLeaf &&
            cr >= minSamplesLeaf &&
            hl2 >= minHessianLeaf &&
            hr >= minHessianLeaf
          ) {
            const gl2 = gl + mg;
            const gr = G - gl2;
            const gain = (gl2 * gl2) / (hl2 + l2) + (gr * gr) / (hr + l2) - parent;
            if (gain > bestGain) {
              bestGain = gain;
              best = { gain, feature: f, bin: b, missingLeft: true, gl: gl2, hl: hl2 };
            }
          }
        }
      }
    }
    node.split = best;
  }

  private splitNode(
    node: GrowNode,
    builder: TreeBuilder,
    grad: Float64Array,
    hess: Float64Array,
    index: Uint32Array,
  ): [GrowNode, GrowNode] {
    const s = node.split!;
    const [lid, rid] = builder.split(node.id, s.feature, this.upper[s.feature]![s.bin]!, s.missingLeft);
    const bins = this.bins;
    const cols = this.cols;
    const f = s.feature;
    const sb = s.bin;
    const ml = s.missingLeft;
    // In-place partition: rows going left move to the front of the node's range.
    let i = node.start;
    let j = node.end - 1;
    while (i <= j) {
      const b = bins[index[i]! * cols + f]!;
      const goLeft = b === MISSING_BIN ? ml : b <= sb;
      if (goLeft) i++;
      else {
        const t = index[i]!;
        index[i] = index[j]!;
        index[j] = t;
        j--;
      }
    }
    const mid = i;
    const gl = s.gl;
    const hl = s.hl;
    const depth = node.depth + 1;
    const left: GrowNode = {
      id: lid,
      start: node.start,
      end: mid,
      g: gl,
      h: hl,
      depth,
      hist: null,
      split: null,
    };
    const right: GrowNode = {
      id: rid,
      start: mid,
      end: node.end,
      g: node.g - gl,
      h: node.h - hl,
      depth,
      hist: null,
      split: null,
    };
    const canSplit = (n: GrowNode) =>
      n.depth < this.opts.maxDepth && n.end - n.start >= 2 * this.opts.minSamplesLeaf;
    if (canSplit(left) || canSplit(right)) {
      const parentHist = node.hist!;
      node.hist = null;
      const leftSmaller = mid - node.start <= node.end - mid;
      const small = leftSmaller ? left : right;
      const large = leftSmaller ? right : left;
      small.hist = this.build(grad, hess, index, small.start, small.end);
      const sh = small.hist;
      // Over the slots in use only (the others stay 0 in both).
      for (let f = 0; f < cols; f++) {
        const base = f * SLOTS * STRIDE;
        const end = base + this.nBins[f]! * STRIDE;
        for (let k = base; k < end; k++) parentHist[k] = parentHist[k]! - sh[k]!;
        const mk = base + MISSING_BIN * STRIDE;
        parentHist[mk] = parentHist[mk]! - sh[mk]!;
        parentHist[mk + 1] = parentHist[mk + 1]! - sh[mk + 1]!;
        parentHist[mk + 2] = parentHist[mk + 2]! - sh[mk + 2]!;
      }
      large.hist = parentHist;
    } else {
      this.release(node);
    }
    return [left, right];
  }
}
