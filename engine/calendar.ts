/**
 * The engine's own calendar arithmetic, which its date display and its text scanners use.
 * Within years 1–65535 it is the proleptic Gregorian calendar; outside, it keeps the
 * engine's field widths (years in 16 bits, days of the month in 8) and so its odd
 * displays: day −730,120 (year 0) shows as `0000.01.90`, 2147483647 as `20628.01.231`.
 * Checked against the engine's display of 27 day counts from −2^31 to 2^31
 * (session `temporal-text`).
 *
 * @example
 * ```ts
 * import { dateFields, daysOfDate } from "./calendar.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(dateFields(9194), { year: 2025, month: 3, day: 4 });
 * assert.equal(daysOfDate(2025, 3, 0), 9190); // day 0 is the month's eve
 * assert.deepEqual(dateFields(-730120), { year: 0, month: 1, day: 90 });
 * ```
 *
 * @module
 */

/** Days before each month (and the year's length last), in a common and a leap year. */
const MONTH_STARTS = [
  [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365],
  [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366],
];

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Days in the years 1…y, y taken in 16 bits as the engine passes it. */
function daysOfYears(year: number): number {
  const y = ((year % 65536) + 65536) % 65536;
  return y * 365 + Math.trunc(y / 4) - Math.trunc(y / 100) + Math.trunc(y / 400);
}

const EPOCH_OFFSET = daysOfYears(1999);

/**
 * Days since 2000-01-01 of a year, month and day, by the engine's formula, which takes
 * month 0 and day 0 too (the day before the year or the month begins) and rolls days past
 * a month's end into the next.
 */
export function daysOfDate(year: number, month: number, day: number): number {
  const months = MONTH_STARTS[isLeap(year) ? 1 : 0][month > 0 ? month - 1 : 0];
  return daysOfYears(year > 0 ? year - 1 : year) - EPOCH_OFFSET + months + day - 1;
}

/** The year, month and day the engine displays for a day count (its fields' widths kept). */
export function dateFields(days: number): { year: number; month: number; day: number } {
  const offset = (days + EPOCH_OFFSET) | 0;
  const ratio = offset / 365.2425;
  let years = (ratio < 0 ? -Math.round(-ratio) : Math.round(ratio)) | 0; // C's round()
  if (daysOfYears(years) > offset) years -= 1;
  const inYear = (offset - daysOfYears(years)) | 0;
  const year = years + 1;
  const starts = MONTH_STARTS[isLeap(year) ? 1 : 0];
  let month = 12;
  while (month > 0 && Math.trunc(inYear / starts[month]) === 0) month--;
  if (month === 12) month = 0;
  return { year: year & 0xffff, month: month + 1, day: (1 + inYear - starts[month]) & 0xff };
}
