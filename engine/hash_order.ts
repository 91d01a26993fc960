/**
 * The order of the engine's open-addressing hash table (`ht_oa_*` in the engine's hash.c),
 * which is the order `distinct` (and so `union`) answers for integer-like vectors whose values
 * span more than the small-range bitmap takes: the table has `nextPrime(ceil(n / 0.75))` slots,
 * a key goes to slot `key % size` (C's truncating remainder) and probes onward with wrap-around;
 * the values come out in slot order. Nulls are left out, as the engine skips them.
 *
 * Two engine details are kept: a negative key's first slot is negative, so its probe starts
 * outside the table (the engine reads the bytes before it, never empty) and only reaches the
 * slots from 0 up to `size + start - 1`; when none of those is free the table grows
 * (`nextPrime(ceil(2 * size / 0.75))` slots) and its keys are placed again by their *unsigned*
 * remainder. Each negative key probes from slot 0, so many of them cost the square of their
 * number (as in the engine, where the probe also reads memory outside the table and its answer
 * is not reliable): callers leave such vectors to another path ({@link negativeProbeCost}).
 *
 * @example
 * ```ts
 * import { hashOrderDistinct } from "./hash_order.ts";
 * import assert from "node:assert/strict";
 * // 4 values: 7 slots; 5 -> 5, 3 -> 3, 1048580 -> 1, 2 -> 2.
 * assert.deepEqual(hashOrderDistinct([5, 3, 1048580, 2], NaN), [1048580, 2, 3, 5]);
 * ```
 *
 * @module
 */

function isPrime(x: number): boolean {
  if (x <= 1) return false;
  if (x <= 3) return true;
  if (x % 2 === 0 || x % 3 === 0) return false;
  for (let i = 5; i * i <= x; i += 6) if (x % i === 0 || x % (i + 2) === 0) return false;
  return true;
}

/** The engine's table size for `n` entries at a load factor of 0.75. */
export function tableSize(n: number): number {
  let x = Math.ceil(n / 0.75);
  while (!isPrime(x)) x++;
  return x;
}

const TWO64 = 1n << 64n;

/** `(u64)key % size`. */
function unsignedMod(key: number | bigint, size: number): number {
  if (typeof key === "bigint") return Number(BigInt.asUintN(64, key) % BigInt(size));
  if (key >= 0) return key % size;
  return Number((TWO64 + BigInt(key)) % BigInt(size));
}

/** `key % size` with C's truncating remainder (negative for a negative key). */
function signedMod(key: number | bigint, size: number): number {
  return typeof key === "bigint" ? Number(key % BigInt(size)) : key % size;
}

/**
 * The distinct values of `values` (`nullValue` is skipped) in the order of the engine's hash
 * table: numbers (safe integers) or, for 64-bit values beyond 2^53, bigints.
 */
export function hashOrderDistinct(values: ArrayLike<number>, nullValue: number): number[];
export function hashOrderDistinct(values: BigInt64Array, nullValue: bigint): bigint[];
export function hashOrderDistinct(
  values: ArrayLike<number> | BigInt64Array,
  nullValue: number | bigint,
): (number | bigint)[] {
  let size = tableSize(values.length);
  let keys: (number | bigint)[] = new Array(size);
  let used = new Uint8Array(size);
  const rehash = () => {
    const newSize = tableSize(size * 2);
    const newKeys: (number | bigint)[] = new Array(newSize), newUsed = new Uint8Array(newSize);
    for (let i = 0; i < size; i++) {
      if (!used[i]) continue;
      const start = unsignedMod(keys[i], newSize);
      let idx = start;
      for (let j = start; j < newSize + start; j++) {
        idx = j % newSize;
        if (!newUsed[idx]) break;
      }
      newKeys[idx] = keys[i];
      newUsed[idx] = 1;
    }
    size = newSize;
    keys = newKeys;
    used = newUsed;
  };
  for (let v = 0; v < values.length; v++) {
    const key = values[v];
    if (key === nullValue) continue;
    for (;;) {
      const start = signedMod(key, size);
      let slot = -1;
      for (let i = Math.max(start, 0); i < size + start; i++) {
        const idx = i % size;
        if (!used[idx] || keys[idx] === key) {
          slot = idx;
          break;
        }
      }
      if (slot < 0) {
        rehash();
        continue;
      }
      keys[slot] = key;
      used[slot] = 1;
      break;
    }
  }
  const out: (number | bigint)[] = [];
  for (let i = 0; i < size; i++) if (used[i]) out.push(keys[i]);
  return out;
}

/** Slots the negative keys of `values` would probe at most: their count times the table size. */
export function negativeProbeCost(
  values: ArrayLike<number | bigint>,
  nullValue: number | bigint,
): number {
  let negatives = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== nullValue && v < 0) negatives++;
  }
  return negatives * tableSize(values.length);
}
