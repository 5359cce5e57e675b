import { addDecimals } from "../src/decimal.ts";

// One table (and one chart) from the API's rows: periods down, series (metric codes, payment
// statuses) across, with totals per period and per series. Values are decimal strings, summed
// exactly. `periods` are the window's periods: every one is listed, with or without data.

export type Cell = { period: string; series: string; value: string };
export type Pivot = { periods: string[]; series: string[]; value(period: string, series: string): string | undefined;
  periodTotal(period: string): string; seriesTotal(series: string): string; total: string };

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function pivot(cells: readonly Cell[], periods: readonly string[] = [], emptySeries?: string): Pivot {
  const allPeriods = [...new Set([...periods, ...cells.map((c) => c.period)])].sort(byteOrder);
  const series = [...new Set(cells.map((c) => c.series))].sort(byteOrder);
  // A window without any data still has its one column, so the table says "nothing" per period.
  if (series.length === 0 && emptySeries !== undefined) series.push(emptySeries);
  const grid = new Map<string, string[]>();
  for (const c of cells) {
    const key = `${c.period}\u0000${c.series}`;
    grid.set(key, [...(grid.get(key) ?? []), c.value]);
  }
  const value = (period: string, s: string) => {
    const values = grid.get(`${period}\u0000${s}`);
    return values ? addDecimals(values) : undefined;
  };
  const sum = (values: (string | undefined)[]) => addDecimals(values.filter((v): v is string => v !== undefined));
  return {
    periods: allPeriods,
    series,
    value,
    periodTotal: (period) => sum(series.map((s) => value(period, s))),
    seriesTotal: (s) => sum(allPeriods.map((p) => value(p, s))),
    total: addDecimals(cells.map((c) => c.value)),
  };
}
