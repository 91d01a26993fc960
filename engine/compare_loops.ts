/**
 * The comparison loops of engine/compare.ts that may run on helper threads
 * (engine/parallel.ts): each compares elements `from … to − 1` of a float vector with a number
 * above −∞ and writes `+(outcome) ^ flip`, so that one loop serves an operator and its
 * negation. A NaN (the float null, ordered below every number) then answers as −∞ would.
 *
 * @module
 */

/** `+(a > b) ^ flip` for elements `from … to − 1` of a float vector and an atom. */
export function greaterFloats(
  d: Float64Array,
  out: Uint8Array,
  b: number,
  flip: number,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) out[i] = +(d[i] > b) ^ flip;
}

/** `+(a >= b) ^ flip` for elements `from … to − 1` of a float vector and an atom. */
export function notLessFloats(
  d: Float64Array,
  out: Uint8Array,
  b: number,
  flip: number,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) out[i] = +(d[i] >= b) ^ flip;
}

/** `+(a === b) ^ flip` for elements `from … to − 1` of a float vector and an atom. */
export function equalFloats(
  d: Float64Array,
  out: Uint8Array,
  b: number,
  flip: number,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) out[i] = +(d[i] === b) ^ flip;
}
