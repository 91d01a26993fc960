/**
 * Decimal text to a double the way the engine converts it, which is not correctly rounded:
 * float literals and `(as 'f64 "…")` depend on it to the last bit.
 *
 * The engine accumulates the integer digits and the fraction digits each in a double
 * (`x * 10 + d`), adds `fraction / 10^digits`, and scales by `10^exponent`, building each
 * power of ten by repeated multiplication. Its build vectorizes those loops: from five
 * factors on, two running products each take every other factor and are multiplied
 * together, then a last odd factor is applied; a negative exponent multiplies by 0.1 (the
 * compiler's reciprocal), not divides by 10. Found by asking the engine: 627 literals of
 * every exponent from -324 to 308 agree bit for bit (`tests/fixtures/conformance/sessions/
 * float-literals.jsonl`).
 *
 * @example
 * ```ts
 * import { decimalToDouble } from "./decimal.ts";
 * import assert from "node:assert/strict";
 * assert.equal(decimalToDouble("-4.363"), -4.3629999999999995); // Number() gives -4.363
 * assert.equal(decimalToDouble("1.5e-5"), 0.000015000000000000009);
 * ```
 *
 * @module
 */

/** The product of `n` factors `c`, in the order the engine's vectorized loop multiplies them. */
function power(c: number, n: number): number {
  if (n < 5) {
    let p = 1;
    for (let i = 0; i < n; i++) p *= c;
    return p;
  }
  let even = 1, odd = 1, i = 0;
  for (; i + 1 < n; i += 2) {
    even *= c;
    odd *= c;
  }
  let p = even * odd;
  if (i < n) p *= c;
  return p;
}

/** Matches what the engine reads as a decimal: sign, digits, fraction, exponent. */
const DECIMAL = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?)(\d+))?/;

/**
 * The double the engine reads from a decimal text (`-12.5`, `1.e5`, `3.25E-7`). The text
 * must be one such number (the reader and the casts match it first).
 */
export function decimalToDouble(text: string): number {
  const m = DECIMAL.exec(text)!;
  let value = 0;
  for (const c of m[2]) value = value * 10 + (c.charCodeAt(0) - 48);
  const fraction = m[3] ?? "";
  if (fraction.length > 0) {
    let digits = 0;
    for (const c of fraction) digits = digits * 10 + (c.charCodeAt(0) - 48);
    value += digits / power(10, fraction.length);
  }
  if (m[5] !== undefined) {
    let exponent = 0;
    for (const c of m[5]) exponent = Math.min(exponent * 10 + (c.charCodeAt(0) - 48), 1e6);
    value *= power(m[4] === "-" ? 0.1 : 10, exponent);
  }
  return m[1] === "-" ? -value : value;
}
