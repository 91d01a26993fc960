/**
 * Test helper: seeded random Rayforce objects of every serializable type, so property and
 * fuzz tests are reproducible (a failure prints its seed).
 */
import {
  type Atom,
  NULL,
  NULLS,
  type RayObject,
  symbols,
  type Vector,
  type VectorType,
} from "../../ipc/mod.ts";

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random generator of objects. */
export class RandomObjects {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** A 64-bit value drawn from edges (0, ±1, min = null, max) and random bit patterns. */
  big(): bigint {
    const edge = [0n, 1n, -1n, NULLS.i64, 2n ** 63n - 1n, 2n ** 53n + 1n];
    if (this.next() < 0.3) return this.pick(edge);
    const hi = BigInt(this.int(2 ** 32));
    const lo = BigInt(this.int(2 ** 32));
    return BigInt.asIntN(64, (hi << 32n) | lo);
  }

  /** A symbol id: the null symbol, ASCII words, or non-ASCII text. */
  symbol(): number {
    const r = this.next();
    if (r < 0.1) return 0;
    if (r < 0.2) return symbols.intern("ünï-" + this.int(50) + "-✓");
    return symbols.intern("s" + this.int(200));
  }

  scalar(t: VectorType): number | bigint | Uint8Array {
    switch (t) {
      case 1:
        return this.int(2);
      case 2:
      case 12:
        return this.int(256);
      case 3:
        return this.next() < 0.2 ? NULLS.i16 : this.int(65536) - 32768;
      case 4:
      case 7:
      case 8:
        return this.next() < 0.2 ? NULLS.i32 : (this.int(2 ** 32) | 0);
      case 5:
      case 9:
        return this.big();
      case 6:
        return this.symbol();
      case 10: {
        const r = this.next();
        if (r < 0.1) return NaN;
        if (r < 0.15) return -0;
        if (r < 0.2) return Infinity;
        return (this.next() - 0.5) * 10 ** this.int(20);
      }
      case 11:
        return this.next() < 0.2 ? new Uint8Array(16) : this.bytes(16);
    }
  }

  atom(t: VectorType = this.pick(VECTOR_TYPES)): Atom {
    return { type: -t, value: this.scalar(t) } as Atom;
  }

  vector(t: VectorType = this.pick(VECTOR_TYPES), maxLen = 8): Vector {
    const n = this.next() < 0.15 ? 0 : this.int(maxLen) + 1;
    if (t === 11) return { type: 11, data: this.bytes(n * 16) };
    const values = Array.from({ length: n }, () => this.scalar(t));
    switch (t) {
      case 1:
      case 2:
      case 12:
        return { type: t, data: Uint8Array.from(values as number[]) };
      case 3:
        return { type: t, data: Int16Array.from(values as number[]) };
      case 4:
      case 6:
      case 7:
      case 8:
        return { type: t, data: Int32Array.from(values as number[]) };
      case 5:
      case 9:
        return { type: t, data: BigInt64Array.from(values as bigint[]) };
      case 10:
        return { type: t, data: Float64Array.from(values as number[]) };
    }
  }

  /** A table with 0–4 columns of one length, typed vectors or LISTs. */
  table(depth: number): RayObject {
    const ncols = this.int(4) + 1;
    const rows = this.int(5);
    const names = new Int32Array(ncols);
    const columns: RayObject[] = [];
    for (let c = 0; c < ncols; c++) {
      names[c] = symbols.intern("c" + c);
      if (this.next() < 0.2 && depth < 3) {
        columns.push({
          type: 0,
          items: Array.from({ length: rows }, () => this.object(depth + 1)),
        });
        continue;
      }
      const t = this.pick(VECTOR_TYPES);
      let v = this.vector(t, 1);
      while ((t === 11 ? v.data.length / 16 : v.data.length) !== rows) v = this.vector(t, 5);
      columns.push(v);
    }
    return { type: 98, keys: { type: 6, data: names }, values: { type: 0, items: columns } };
  }

  /** Any serializable object, nested up to `maxDepth`. */
  object(depth = 0, maxDepth = 4): RayObject {
    const r = this.next();
    if (depth >= maxDepth || r < 0.35) return this.next() < 0.5 ? this.atom() : this.vector();
    if (r < 0.55) {
      const n = this.int(5);
      return { type: 0, items: Array.from({ length: n }, () => this.object(depth + 1, maxDepth)) };
    }
    if (r < 0.7) {
      const keys = this.vector(6);
      const n = keys.data.length;
      const values: RayObject = this.next() < 0.5
        ? { type: 0, items: Array.from({ length: n }, () => this.object(depth + 1, maxDepth)) }
        : { type: 5, data: BigInt64Array.from({ length: n }, () => this.big()) };
      return { type: 99, keys, values };
    }
    if (r < 0.8) return this.table(depth);
    if (r < 0.85) {
      return {
        type: 100,
        args: { type: 6, data: Int32Array.of(symbols.intern("x")) },
        body: {
          type: 0,
          items: [{ type: 102, name: "+" }, { type: -6, value: symbols.intern("x") }, this.atom(5)],
        },
      };
    }
    if (r < 0.9) {
      return { type: this.pick([101, 102, 103] as const), name: this.pick(["sum", "+", "list"]) };
    }
    if (r < 0.95) return NULL;
    return {
      type: 127,
      code: this.int(12),
      context: new Uint8Array(8),
      message: depth === 0 ? "m" + this.int(9) : "",
    };
  }
}

/** The 12 scalar vector types. */
export const VECTOR_TYPES: readonly VectorType[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
