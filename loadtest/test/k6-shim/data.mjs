// Stand-in for 'k6/data': k6 builds the array once and shares it; here it is just the array.
export class SharedArray {
  constructor(_name, factory) {
    const rows = factory();
    if (!Array.isArray(rows)) throw new Error('SharedArray factory must return an array');
    // biome-ignore lint/correctness/noConstructorReturn: mirrors k6, where the SharedArray is array-like
    return rows;
  }
}
