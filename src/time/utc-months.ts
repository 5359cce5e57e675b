// Month arithmetic in UTC, where Lago's timestamps live. Results are 'YYYY-MM-DD 00:00:00' strings,
// which Postgres reads as timestamp-without-time-zone literals with no conversion.

const format = (ms: number) => `${new Date(ms).toISOString().slice(0, 10)} 00:00:00`;

export type MonthWindow = { from: string | undefined; toExclusive: string };

/** The current UTC month and the `months - 1` before it; without `months`, open at the start. */
export function monthWindow(now: Date, months: number | undefined): MonthWindow {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return {
    from: months === undefined ? undefined : format(Date.UTC(year, month - (months - 1), 1)),
    toExclusive: format(Date.UTC(year, month + 1, 1)),
  };
}
