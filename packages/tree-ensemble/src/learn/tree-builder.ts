import type { Tree } from './model.ts';

/** Collects nodes while a tree grows (root first, children appended) and freezes them to typed arrays. */
export class TreeBuilder {
  readonly feature: number[] = [];
  readonly threshold: number[] = [];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly missingLeft: number[] = [];
  readonly values: number[] = [];

  constructor(private readonly valuesPerNode: number) {}

  /** Adds a node (a leaf until split) and returns its id. */
  add(): number {
    const id = this.feature.length;
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(0);
    this.right.push(0);
    this.missingLeft.push(0);
    for (let i = 0; i < this.valuesPerNode; i++) this.values.push(0);
    return id;
  }

  split(id: number, feature: number, threshold: number, missingLeft: boolean): [number, number] {
    const l = this.add();
    const r = this.add();
    this.feature[id] = feature;
    this.threshold[id] = Math.fround(threshold);
    this.left[id] = l;
    this.right[id] = r;
    this.missingLeft[id] = missingLeft ? 1 : 0;
    return [l, r];
  }

  setLeaf(id: number, values: ArrayLike<number>): void {
    for (let i = 0; i < this.valuesPerNode; i++) this.values[id * this.valuesPerNode + i] = values[i]!;
  }

  build(classId: number): Tree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float32Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      missingLeft: Uint8Array.from(this.missingLeft),
      classId,
      values: Float32Array.from(this.values),
    };
  }
}
