import type { Pivot } from "./pivot.ts";

// The numbers under the chart: one row per period, one column per metric code, totals on both sides.
export function renderTable(container: HTMLElement, table: Pivot, label: (period: string) => string, format: (value: string) => string, corner: string) {
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
  const tableEl = document.createElement("table");
  const head = document.createElement("thead");
  head.append(row(cell("th", corner, "col"), ...table.series.map((s) => cell("th", s, "col")), cell("th", "Total", "col")));
  const body = document.createElement("tbody");
  for (const p of table.periods) {
    const values = table.series.map((s) => {
      const v = table.value(p, s);
      return cell("td", v === undefined ? "–" : format(v));
    });
    body.append(row(cell("th", label(p), "row"), ...values, cell("td", format(table.periodTotal(p)))));
  }
  const foot = document.createElement("tfoot");
  foot.append(row(cell("th", "Total", "row"), ...table.series.map((s) => cell("td", format(table.seriesTotal(s)))), cell("td", format(table.total))));
  tableEl.append(head, body, foot);
  container.replaceChildren(tableEl);
}
