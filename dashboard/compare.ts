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

/** Writes the comparison into `box` (three figures), or says why there is none. */
export function renderComparison(box: HTMLElement, c: Comparison | undefined, label: (p: string) => string, format: (v: string) => string) {
  if (!c) {
    box.textContent = "Not enough complete periods in this window to compare.";
    return;
  }
  const figure = (title: string, value: string, note?: string) => {
    const item = document.createElement("div");
    item.className = "figure";
    const dt = document.createElement("dt");
    dt.textContent = title;
    const dd = document.createElement("dd");
    dd.textContent = value;
    if (note) {
      const small = document.createElement("span");
      small.textContent = ` ${note}`;
      dd.append(small);
    }
    item.append(dt, dd);
    return item;
  };
  const sign = c.change.startsWith("-") ? "" : "+";
  const list = document.createElement("dl");
  list.append(
    figure(label(c.last), format(c.lastValue)),
    figure(label(c.before), format(c.beforeValue)),
    figure("Change", `${sign}${format(c.change)}`, c.percent === undefined ? "(no base)" : `(${sign}${c.percent}%)`),
  );
  box.replaceChildren(list);
}
