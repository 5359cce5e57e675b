// Every period of a window, so that a month (week, day) with nothing in it is drawn as zero and
// listed in the table instead of vanishing from the axis. The API's answers stay Lago's (they leave
// empty periods out); filling is the page's job. Periods are 'YYYY-MM-DD' starts, in UTC.

export type Granularity = "daily" | "weekly" | "monthly";

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (date: string) => Date.parse(`${date.slice(0, 10)}T00:00:00Z`);

/** The start of the period holding `date`: itself, its ISO week's Monday, or its month's first day. */
export function periodStart(date: string, granularity: Granularity): string {
  const ms = dayMs(date);
  if (granularity === "daily") return iso(ms);
  if (granularity === "weekly") return iso(ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY_MS);
  return `${date.slice(0, 7)}-01`;
}

/** The start of the period after the one starting at `start`. */
export function nextPeriod(start: string, granularity: Granularity): string {
  const ms = dayMs(start);
  if (granularity === "daily") return iso(ms + DAY_MS);
  if (granularity === "weekly") return iso(ms + 7 * DAY_MS);
  const d = new Date(ms);
  return iso(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

/** Every period start from the one holding `from` to the one holding `to`, both included. */
export function periodsBetween(from: string, to: string, granularity: Granularity): string[] {
  const last = periodStart(to, granularity);
  const periods: string[] = [];
  for (let p = periodStart(from, granularity); p <= last && periods.length < 5_000; p = nextPeriod(p, granularity)) periods.push(p);
  return periods;
}

/**
 * The months of a month-window page: the current month (in `today`'s terms, UTC) and the
 * `months - 1` before it; without `months` ("All"), from the earliest month with data, if any.
 */
export function windowMonths(today: string, months: number | undefined, dataMonths: readonly string[]): string[] {
  const current = periodStart(today, "monthly");
  const d = new Date(dayMs(current));
  const first = months === undefined
    ? [...dataMonths].map((m) => periodStart(m, "monthly")).sort()[0]
    : iso(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (months - 1), 1));
  return first === undefined ? [] : periodsBetween(first, current, "monthly");
}
