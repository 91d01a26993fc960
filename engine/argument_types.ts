/**
 * Which arguments the engine's set and search builtins take — `find except sect bin binr
 * within` are strict, found by asking the engine (recorded in
 * `tests/fixtures/conformance/sessions/set_search_types.jsonl`): the second argument must
 * be of the first's type, and only some types take an atom. Anything else is a `type` error
 * whose detail names the two types, as the engine's does (`expected I64, got I32`).
 *
 * @module
 */
import type { RayObject } from "../ipc/mod.ts";
import { lengthError, typeError } from "./errors.ts";
import { count } from "./values.ts";
import { Type } from "../ipc/mod.ts";

/** `[]` is an empty I64 vector, and takes part as one. */
const I64 = 5;

/** Vector types whose `find` takes an atom of the element type (not I16, I32, U8, DATE, TIME). */
const FIND_ATOM = new Set([1, 5, 6, 9, 10, 12]);
/** Vector types `bin` and `binr` search (with a vector or an atom of that type). */
const SEARCHABLE = new Set([4, 5, 7, 8, 9]);

const refuse = (x: RayObject, y: RayObject) => typeError(x.type, y.type);

/** `(find x y)`: y a vector of x's type, or (some types) an atom of it; a LIST takes a LIST. */
export function checkFind(x: RayObject, y: RayObject): void {
  if (x.type === Type.LIST) {
    if (y.type !== Type.LIST) throw typeError("LIST", y.type);
    return;
  }
  if (x.type < 1 || x.type > 12) throw refuse(x, y);
  if (y.type === x.type || (y.type === -x.type && FIND_ATOM.has(x.type))) return;
  throw refuse(x, y);
}

/**
 * `(except x y)`: an I64 vector takes I64 (vector or atom); a SYMBOL vector takes SYMBOL; a
 * LIST takes a numeric vector or atom. Other types of x are refused.
 */
export function checkExcept(x: RayObject, y: RayObject): void {
  if (x.type === I64 && Math.abs(y.type) === I64) return;
  if (x.type === Type.SYMBOL && Math.abs(y.type) === 6) return;
  if (x.type === Type.LIST) {
    const t = Math.abs(y.type);
    if (t === Type.I16 || t === Type.I32 || t === Type.I64 || t === Type.F64) return;
    throw typeError("LIST", "LIST");
  }
  throw refuse(x, y);
}

/**
 * `(sect x y)`: two I64 vectors, or two SYMBOL vectors. A LIST on either side of different
 * length is a `length` error (the engine pairs them up), any other pair a `type` error.
 */
export function checkSect(x: RayObject, y: RayObject): void {
  if ((x.type === I64 && y.type === I64) || (x.type === Type.SYMBOL && y.type === Type.SYMBOL)) {
    return;
  }
  if (x.type >= 98 || y.type >= 98) throw typeError(x.type, y.type); // a dict or a table
  const lists = x.type === Type.LIST || y.type === Type.LIST;
  if (!lists) throw refuse(x, y);
  if (x.type >= 0 && y.type >= 0 && count(x) !== count(y)) throw lengthError(count(x), count(y));
  // Paired up, the first pair is refused: its elements' types are named.
  throw typeError(elementType(x), elementType(y));
}

/**
 * The type of a value's first element (an atom's own type; an empty LIST: LIST). A U8
 * vector's element is a b8 to the engine (its `(first …)` is a b8 too).
 */
function elementType(x: RayObject): number {
  if (x.type === Type.LIST) return x.items.length ? x.items[0].type : 0;
  if (x.type === Type.U8) return -1;
  return x.type > 0 && x.type <= 12 ? -x.type : x.type;
}

/** `(within x [lo hi])`: x I64 (a vector or an atom), the range a 2-element I64 vector. */
export function checkWithin(x: RayObject, y: RayObject): void {
  if (y.type < 0 || y.type > 12 || count(y) !== 2) throw typeError("LIST", y.type);
  if (Math.abs(x.type) === I64 && y.type === I64) return;
  throw refuse(x, y);
}

/** `(bin x y)`, `(binr x y)`: x an I64, I32, DATE, TIME or TIMESTAMP vector; y of its type. */
export function checkSearch(x: RayObject, y: RayObject): void {
  if (SEARCHABLE.has(x.type) && Math.abs(y.type) === x.type) return;
  throw refuse(x, y);
}
