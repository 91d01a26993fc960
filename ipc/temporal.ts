/**
 * Calendar arithmetic for Rayforce temporals: dates are days since 2000-01-01 (i32),
 * times milliseconds since midnight (i32, may be negative), timestamps nanoseconds since
 * 2000-01-01T00:00 (i64). Pure integer arithmetic (H. Hinnant's civil algorithms), valid
 * over the whole i32 day range, which JS `Date` does not cover.
 *
 * @module
 */

/** Days from 1970-01-01 to 2000-01-01. */
export const EPOCH_2000_DAYS = 10957;
/** Nanoseconds per day. */
export const NS_PER_DAY = 86_400_000_000_000n;

/** A calendar date. */
export interface Civil {
  /** Proleptic Gregorian year. */
  year: number;
  /** Month, 1–12. */
  month: number;
  /** Day of the month, 1–31. */
  day: number;
}

/**
 * The calendar date of a Rayforce date value (days since 2000-01-01).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(civilFromDays(8766), { year: 2024, month: 1, day: 1 });
 * ```
 */
export function civilFromDays(days: number): Civil {
  const z = days + EPOCH_2000_DAYS + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/**
 * Days since 2000-01-01 of a calendar date (days past the month's end roll over, as in
 * the engine: 2024.02.30 is 2024.03.01).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(daysFromCivil(2024, 1, 1), 8766);
 * ```
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468 - EPOCH_2000_DAYS;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function isoYear(y: number): string {
  if (y >= 0 && y <= 9999) return pad(y, 4);
  return (y < 0 ? "-" : "+") + pad(Math.abs(y), 6);
}

/** ISO 8601 date text of a date value. @example `dateToISO(8766)` // "2024-01-01" */
export function dateToISO(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${isoYear(year)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** ISO 8601 time text of a time value. @example `timeToISO(45_000_500)` // "12:30:00.500" */
export function timeToISO(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const a = Math.abs(ms);
  const h = Math.floor(a / 3_600_000);
  const m = Math.floor(a / 60_000) % 60;
  const s = Math.floor(a / 1000) % 60;
  return `${sign}${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(a % 1000, 3)}`;
}

/** Splits a timestamp into days since 2000-01-01 and nanoseconds into that day. */
export function splitTimestamp(ns: bigint): { days: number; nanos: bigint } {
  let days = ns / NS_PER_DAY;
  let nanos = ns % NS_PER_DAY;
  if (nanos < 0n) {
    nanos += NS_PER_DAY;
    days -= 1n;
  }
  return { days: Number(days), nanos };
}

/**
 * ISO 8601 UTC text of a timestamp value, with nanoseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(timestampToISO(0n), "2000-01-01T00:00:00.000000000Z");
 * ```
 */
export function timestampToISO(ns: bigint): string {
  const { days, nanos } = splitTimestamp(ns);
  const secs = Number(nanos / 1_000_000_000n);
  const frac = nanos % 1_000_000_000n;
  const h = Math.floor(secs / 3600);
  const m = Math.floor(secs / 60) % 60;
  const s = secs % 60;
  return `${dateToISO(days)}T${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${
    String(frac).padStart(9, "0")
  }Z`;
}
