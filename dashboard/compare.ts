import { subtractDecimals } from "../src/decimal.ts";
import type { Granularity } from "./periods.ts";
import { nextPeriod } from "./periods.ts";
import type { Pivot } from "./pivot.ts";

// Period over period, above each chart: the last complete period of the window, the one before,
// and the change in amount (exact: decimal strings, as the table) and in percent (rounded).

export type Comparison = { last: string; before: string; lastValue: string; beforeValue: string; change: string; percent: string | undefined };

/** The window's last period that has ended by `today`, against the one before it; undefined without two such periods. */
export function compareLastPeriods(table: Pivot, granularity: Granularity, today: string): Comparison | undefined {
  const complete = table.periods.filter((p) => nextPeriod(p, granularity) <= today);
  const last = complete.at(-1);
  const before = complete.at(-2);
  if (last === undefined || before === undefined) return undefined;
  const lastValue = table.periodTotal(last);
  const beforeValue = table.periodTotal(before);
  const change = subtractDecimals(lastValue, beforeValue);
  const base = Number(beforeValue);
  const percent = base === 0 ? undefined : ((Number(change) / Math.abs(base)) * 100).toFixed(1);
  return { last, before, lastValue, beforeValue, change, percent };
}
