// Calendar dates as 'YYYY-MM-DD' strings in UTC, the form Lago's `usage_date` has and the query
// parameters use. Strings of this shape compare in date order, so no Date objects travel further.

const DAY_MS = 86_400_000;
const SHAPE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
// PostgreSQL has no year 0, so nothing earlier than this may ever reach a `::date` cast.
const FIRST_DATE = "0001-01-01";

const format = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A real calendar date in exactly 'YYYY-MM-DD' form: '2026-02-30', '2026-1-5' and '0000-01-01' are not. */
export function isCalendarDate(text: string): boolean {
  const match = SHAPE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1) return false;
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not. An overflowing day or month
  // (Feb 30, month 13) rolls over, so the round trip differs.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return format(date.getTime()) === text;
}

export function todayUtc(now: Date = new Date()): string {
  return format(now.getTime());
}

/** The date `days` days before `date`, never earlier than year 1. */
export function daysBefore(date: string, days: number): string {
  const result = format(Date.parse(`${date}T00:00:00Z`) - days * DAY_MS);
  // Year 0 ('0000-…') and negative years ('-0000…') both sort before FIRST_DATE.
  return result < FIRST_DATE ? FIRST_DATE : result;
}
