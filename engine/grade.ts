/**
 * Stable grades (the permutation that sorts) of numeric keys without a comparator: a
 * counting sort when the keys are integers of a small range (at most 2^20, or twice their
 * number), else an LSD radix sort over the keys' 64 bits in 16-bit digits, skipping the
 * digits every key shares. Ties keep their positions, as the engine's stable sort does;
 * `desc` orders the keys down and still keeps ties in position order.
 *
 * @example
 * ```ts
 * import { gradeKeys } from "./grade.ts";
 * const p = gradeKeys(Float64Array.of(3, 1, 2, 1), false);
 * if (p.join() !== "1,3,2,0") throw new Error();
 * ```
 *
 * @module
 */

/** The stable grade of `keys` (doubles; no NaN: the caller maps nulls to −∞). */
export function gradeKeys(keys: Float64Array, desc: boolean): Int32Array {
  return countingGrade(keys, desc) ?? radixGrade(keys, desc);
}

function countingGrade(keys: Float64Array, desc: boolean): Int32Array | undefined {
  const n = keys.length;
  if (n === 0) return new Int32Array(0);
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (k !== Math.floor(k)) return undefined; // fractions (and ±∞): not countable
    if (k < min) min = k;
    if (k > max) max = k;
  }
  const range = max - min + 1;
  if (range > Math.max(1 << 20, 2 * n)) return undefined;
  const starts = new Int32Array(range + 1);
  for (let i = 0; i < n; i++) {
    const s = desc ? max - keys[i] : keys[i] - min;
    starts[s + 1]++;
  }
  for (let s = 0; s < range; s++) starts[s + 1] += starts[s];
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = desc ? max - keys[i] : keys[i] - min;
    out[starts[s]++] = i;
  }
  return out;
}

/**
 * The keys as unsigned 32-bit word pairs that order as the doubles do (sign bit flipped
 * for positives, every bit for negatives; −0 as +0, so that it ties with 0 as `<` says),
 * inverted for `desc`.
 */
function orderedWords(keys: Float64Array, desc: boolean): Uint32Array {
  const f = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) f[i] = keys[i] + 0; // −0 + 0 is +0
  const w = new Uint32Array(f.buffer);
  for (let i = 0; i < w.length; i += 2) {
    const hi = w[i + 1];
    if (hi & 0x80000000) {
      w[i] = ~w[i];
      w[i + 1] = ~hi;
    } else w[i + 1] = hi | 0x80000000;
    if (desc) {
      w[i] = ~w[i];
      w[i + 1] = ~w[i + 1];
    }
  }
  return w;
}

function radixGrade(keys: Float64Array, desc: boolean): Int32Array {
  const n = keys.length;
  const w = orderedWords(keys, desc);
  let idx = new Int32Array(n), tmp = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const counts = new Int32Array(65537);
  // Digits from the least significant: low half of the low word … high half of the high.
  for (let pass = 0; pass < 4; pass++) {
    const word = pass >> 1, shift = (pass & 1) * 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((w[2 * i + word] >>> shift) & 0xffff) + 1]++;
    if (counts.some((c) => c === n)) continue; // every key has this digit: the order stands
    for (let d = 0; d < 65536; d++) counts[d + 1] += counts[d];
    for (let j = 0; j < n; j++) {
      const i = idx[j];
      tmp[counts[(w[2 * i + word] >>> shift) & 0xffff]++] = i;
    }
    [idx, tmp] = [tmp, idx];
  }
  return idx;
}
