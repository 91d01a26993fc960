/**
 * The k-th smallest of a column of doubles in expected linear time (quickselect with a
 * median-of-three pivot), for `med`: sorting ten million values to read the middle one
 * costs seconds. The array is reordered in place: afterwards `xs[k]` is the k-th smallest,
 * nothing before it is larger and nothing after it smaller. The values must not be NaN.
 *
 * @example
 * ```ts
 * import { selectKth } from "./select_kth.ts";
 * const xs = Float64Array.of(5, 1, 4, 2, 3);
 * if (selectKth(xs, 1) !== 2 || selectKth(xs, 4) !== 5) throw new Error();
 * ```
 *
 * @module
 */
export function selectKth(xs: Float64Array, k: number): number {
  let lo = 0, hi = xs.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot: sorted runs do not degrade to quadratic time.
    let a = xs[lo], b = xs[mid];
    const c = xs[hi];
    if (a > b) [a, b] = [b, a];
    if (b > c) b = c;
    const pivot = a > b ? a : b;
    let i = lo, j = hi;
    while (i <= j) {
      while (xs[i] < pivot) i++;
      while (xs[j] > pivot) j--;
      if (i <= j) {
        const t = xs[i];
        xs[i] = xs[j];
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break; // between j and i: every element there equals the pivot
  }
  return xs[k];
}
