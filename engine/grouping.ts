/**
 * The groups of a `by:`: which group each row is in, and the rows laid out group by group
 * (ascending within a group), groups in first-occurrence order, as the engine answers
 * them. One key column of integer-like values with a small range (symbols, i32, dates,
 * safe i64…) is grouped through a slot array; a wider range of such values through a
 * `Map` of numbers; anything else (several keys, floats, GUIDs, lists) through element
 * keys; a counting pass lays the rows out in one Int32Array when asked. Nothing per row.
 *
 * @example
 * ```ts
 * import { groupRows, groupsOf } from "./grouping.ts";
 * const g = groupRows([{ type: 6, data: Int32Array.of(4, 9, 4) }], 3);
 * if (g.count !== 2 || groupsOf(g)[0].join() !== "0,2") throw new Error();
 * ```
 *
 * @module
 */
import { type RayObject, Type, type Vector } from "../ipc/mod.ts";
import { type ElementKey, elementKeys } from "./collections.ts";
import { integerRange } from "./int64.ts";
import { integerValues } from "./integer_index.ts";
import { releaseScratch, resultArray } from "./result_buffers.ts";

/**
 * Rows by group: the group of each row and each group's first row, from the one pass that
 * numbers the groups; the rows laid out group by group only when asked for (a sum by
 * group needs the ids, a median or a per-group evaluation the layout).
 */
export class Groups {
  #starts?: Int32Array;
  #rows?: Int32Array;
  constructor(
    /** The number of groups. */
    readonly count: number,
    /** The group of each row. */
    readonly groupOf: Int32Array,
    /** The first row of each group. */
    readonly firsts: Int32Array,
  ) {}

  /** `rows.subarray(starts[g], starts[g + 1])` are group g's rows. */
  get starts(): Int32Array {
    if (!this.#starts) this.#layout();
    return this.#starts!;
  }

  /** The rows, group by group, ascending within a group. */
  get rows(): Int32Array {
    if (!this.#rows) this.#layout();
    return this.#rows!;
  }

  /**
   * The query that grouped is done: its large arrays may serve later results
   * (result_buffers.ts). Only for groups nothing else saw (a select's or an update's own).
   */
  release(): void {
    releaseScratch(this.groupOf);
    if (this.#rows) releaseScratch(this.#rows);
  }

  /** A counting sort of the rows by group id (stable). */
  #layout(): void {
    const { groupOf, count } = this;
    const n = groupOf.length;
    const starts = new Int32Array(count + 1);
    for (let i = 0; i < n; i++) starts[groupOf[i] + 1]++;
    for (let g = 0; g < count; g++) starts[g + 1] += starts[g];
    const fill = starts.slice(0, count);
    const rows = resultArray(Type.I32, n); // every row placed below
    for (let i = 0; i < n; i++) rows[fill[groupOf[i]]++] = i;
    this.#starts = starts;
    this.#rows = rows;
  }
}

/** Groups the `n` rows by the values of the key columns. */
export function groupRows(keyColumns: RayObject[], n: number): Groups {
  const groupOf = resultArray(Type.I32, n); // every row's group written below
  const firsts: number[] = [];
  const count = keyColumns.length === 1 && keyColumns[0].type > 0
    ? groupIntegers(keyColumns[0] as Vector, groupOf, firsts) ??
      groupKeys(keyColumns, groupOf, firsts)
    : groupKeys(keyColumns, groupOf, firsts);
  return new Groups(count, groupOf, Int32Array.from(firsts));
}

/** Group ids of an integer-like column into `groupOf`; undefined for other columns. */
function groupIntegers(key: Vector, groupOf: Int32Array, firsts: number[]): number | undefined {
  const n = groupOf.length;
  if (n === 0) return undefined;
  const r = integerRange(key.type, key.data as ArrayLike<number>, Math.max(1 << 20, 2 * n));
  if (r) {
    const { values, stride, offset, range } = r;
    const slot = new Int32Array(range).fill(-1);
    let count = 0;
    for (let i = 0, j = 0; i < n; i++, j += stride) {
      const s = values[j] - offset;
      let g = slot[s];
      if (g < 0) {
        g = slot[s] = count++;
        firsts.push(i);
      }
      groupOf[i] = g;
    }
    return count;
  }
  const values = integerValues(key);
  if (!values) return undefined;
  const ids = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    let g = ids.get(values[i]);
    if (g === undefined) {
      ids.set(values[i], g = ids.size);
      firsts.push(i);
    }
    groupOf[i] = g;
  }
  return ids.size;
}

/** Group ids by element keys (several columns: their keys joined). */
function groupKeys(keyColumns: RayObject[], groupOf: Int32Array, firsts: number[]): number {
  const keyLists = keyColumns.map((c) => elementKeys(c));
  const ids = new Map<ElementKey, number>();
  for (let i = 0; i < groupOf.length; i++) {
    const k: ElementKey = keyLists.length === 1
      ? keyLists[0][i]
      : keyLists.map((l) => String(l[i])).join("\u0001");
    let g = ids.get(k);
    if (g === undefined) {
      ids.set(k, g = ids.size);
      firsts.push(i);
    }
    groupOf[i] = g;
  }
  return ids.size;
}

/** Each group's rows, as views of `g.rows`. */
export function groupsOf(g: Groups): Int32Array[] {
  const out: Int32Array[] = new Array(g.count);
  for (let k = 0; k < g.count; k++) out[k] = g.rows.subarray(g.starts[k], g.starts[k + 1]);
  return out;
}
