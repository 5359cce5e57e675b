import type { Comparison } from "./compare.ts";
import type { Pivot } from "./pivot.ts";

/** A column beside the series (collections' invoice counts): its heading and its text per period and overall. */
export type ExtraColumn = { heading: string; value(period: string): string; total: string };

// The numbers under the chart: one row per period, one column per series, totals on both sides (a
// single series has no "Total" column: it would repeat it). The chart's data, reachable as text.
export function renderTable(
  container: HTMLElement, table: Pivot, label: (period: string) => string, format: (value: string) => string,
  corner: string, caption: string, extra?: ExtraColumn,
) {
  const cell = (tag: "th" | "td", text: string, scope?: string) => {
    const el = document.createElement(tag);
    el.textContent = text;
    if (scope) el.scope = scope;
    return el;
  };
  const row = (...cells: HTMLElement[]) => {
    const tr = document.createElement("tr");
    tr.append(...cells);
    return tr;
  };
  const totals = table.series.length > 1;
  const tableEl = document.createElement("table");
  const captionEl = document.createElement("caption");
  captionEl.textContent = caption;
  captionEl.className = "visually-hidden";
  const head = document.createElement("thead");
  head.append(row(cell("th", corner, "col"), ...table.series.map((s) => cell("th", s, "col")),
    ...(totals ? [cell("th", "Total", "col")] : []), ...(extra ? [cell("th", extra.heading, "col")] : [])));
  const body = document.createElement("tbody");
  for (const p of table.periods) {
    const values = table.series.map((s) => {
      const v = table.value(p, s);
      return cell("td", v === undefined ? "–" : format(v));
    });
    body.append(row(cell("th", label(p), "row"), ...values, ...(totals ? [cell("td", format(table.periodTotal(p)))] : []),
      ...(extra ? [cell("td", extra.value(p))] : [])));
  }
  const foot = document.createElement("tfoot");
  foot.append(row(cell("th", "Total", "row"), ...table.series.map((s) => cell("td", format(table.seriesTotal(s)))),
    ...(totals ? [cell("td", format(table.total))] : []), ...(extra ? [cell("td", extra.total)] : [])));
  tableEl.append(captionEl, head, body, foot);
  container.replaceChildren(tableEl);
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
