import { yearMonthIn } from "./zones.ts";

// Month windows. Results are 'YYYY-MM-DD 00:00:00' strings: month starts in the window's zone,
// which Postgres reads as timestamp-without-time-zone literals with no conversion (in UTC they bound
// Lago's UTC timestamps directly; in another zone the query turns them into UTC instants).

const format = (ms: number) => `${new Date(ms).toISOString().slice(0, 10)} 00:00:00`;

export type MonthWindow = { from: string | undefined; toExclusive: string };

/**
 * The current month in `zone` (UTC by default) and the `months - 1` before it; without `months`,
 * open at the start.
 */
export function monthWindow(now: Date, months: number | undefined, zone = "UTC"): MonthWindow {
  const { year, month } = zone === "UTC" ? { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1 } : yearMonthIn(now, zone);
  return {
    from: months === undefined ? undefined : format(Date.UTC(year, month - 1 - (months - 1), 1)),
    toExclusive: format(Date.UTC(year, month, 1)),
  };
}
