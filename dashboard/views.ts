import type { Params } from "./api.ts";
import { drawChart } from "./chart.ts";
import { compareLastPeriods } from "./compare.ts";
import { type Amount, chosenCurrency } from "./currency.ts";
import { emptyUsageText, type OrganizationContext } from "./context.ts";
import { formatMoney, formatUnits, majorAmount } from "./money.ts";
import { type Granularity, periodsBetween, windowMonths } from "./periods.ts";
import { type Cell, pivot } from "./pivot.ts";
import { type ExtraColumn, renderComparison, renderTable } from "./table.ts";

// The dashboard's pages: each is its form, the API path it asks, and how it draws the answer
// (chart, table, period-over-period figures), every period of its window included.

type InvoicedRow = { month: string; code?: string; currency: string; amount_cents: number };
type UsageRow = { start_of_period_dt: string; billable_metric_code?: string; amount_currency: string; amount_cents: number; units: string };
type RevenueRow = { month: string; currency: string | null; amount_cents: number | null; payment_status?: string | null; invoices_count?: number };
export type ViewName = "invoiced" | "usage" | "gross" | "mrr" | "collections" | "overdue";
export type View = { section: HTMLElement; form: HTMLFormElement; path: string; params(): Params; render(body: unknown): void; csvParams(): Params };

export const $ = <T extends HTMLElement>(selector: string, root: ParentNode = document) => root.querySelector(selector) as T;
/** What the page knows of the signed-in organization (undefined when signed out). */
export const session: { context: OrganizationContext | undefined } = { context: undefined };

const locale = () => navigator.language || "en-US";
const todayUtc = () => new Date().toISOString().slice(0, 10);
const dateFormat = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale(), { ...options, timeZone: "UTC" });
const at = (period: string) => new Date(`${period.slice(0, 10)}T00:00:00Z`);

/** One label format per granularity, on every page: "Jan 2026", "Week of Jan 5, 2026", "Jan 5, 2026". */
const LABELS: Record<Granularity, (period: string) => string> = {
  monthly: (p) => dateFormat({ year: "numeric", month: "short" }).format(at(`${p.slice(0, 7)}-01`)),
  weekly: (p) => `Week of ${dateFormat({ year: "numeric", month: "short", day: "numeric" }).format(at(p))}`,
  daily: (p) => dateFormat({ year: "numeric", month: "short", day: "numeric" }).format(at(p)),
};

/**
 * Lists the organization's currencies and the answer's in `select` (one without rows here says so)
 * and returns the one chosen by chosenCurrency (a pick, a link, the organization's default, the largest).
 */
function chooseCurrency(select: HTMLSelectElement, rows: Amount[]): string {
  const withRows = new Set(rows.map((r) => r.currency));
  const listed = [...new Set([...withRows, ...(session.context?.organization.currencies ?? [])])].sort();
  const keep = chosenCurrency({ listed, rows, picked: select.dataset.want, shown: select.value, defaultCurrency: session.context?.organization.default_currency });
  delete select.dataset.want;
  select.replaceChildren(...listed.map((c) => new Option(withRows.has(c) ? c : `${c} (no data here)`, c, false, c === keep)));
  select.disabled = listed.length === 0;
  return select.value;
}

function formParams(form: HTMLFormElement, skip: string[] = []): Params {
  const params: Params = {};
  for (const [name, value] of new FormData(form)) if (!skip.includes(name)) params[name] = String(value).trim();
  return params;
}

type Shown = {
  cells: Cell[]; periods: string[]; granularity: Granularity; format: (v: string) => string;
  corner: string; caption: string; empty: string; emptySeries: string; extra?: ExtraColumn;
};

function showTableAndChart(section: HTMLElement, shown: Shown) {
  const status = $<HTMLElement>(".status", section);
  const label = LABELS[shown.granularity];
  const table = pivot(shown.cells, shown.periods, shown.emptySeries);
  drawChart($<HTMLCanvasElement>("canvas", section), table, label, (v) => shown.format(String(v)));
  renderTable($<HTMLElement>(".table", section), table, label, shown.format, shown.corner, shown.caption, shown.extra);
  renderComparison($<HTMLElement>(".compare", section), compareLastPeriods(table, shown.granularity, todayUtc()), label, shown.format);
  status.classList.remove("error");
  status.textContent = shown.cells.length === 0 ? shown.empty : "";
}

/** The months a month-window page shows: its window's, every one, whether or not the answer has rows. */
const monthsOf = (form: HTMLFormElement, dataMonths: string[]) => {
  const months = String(new FormData(form).get("months") ?? "");
  return windowMonths(todayUtc(), months === "" ? undefined : Number(months), dataMonths);
};

const invoiced: View = {
  section: $("#invoiced"),
  form: $("#invoiced form"),
  path: "/api/v1/analytics/invoiced_usage",
  params: () => formParams(invoiced.form, ["currency"]),
  csvParams: () => ({ ...invoiced.params(), currency: $<HTMLSelectElement>("#iu-currency").value }),
  render(body) {
    const rows = (body as { invoiced_usages: InvoicedRow[] }).invoiced_usages;
    const currency = chooseCurrency($("#iu-currency"), rows.map((r) => ({ currency: r.currency, minor: r.amount_cents })));
    const cells = rows.filter((r) => r.currency === currency)
      .map((r) => ({ period: r.month.slice(0, 10), series: r.code ?? "(no code)", value: majorAmount(r.amount_cents, currency) }));
    showTableAndChart(invoiced.section, {
      cells, periods: monthsOf(invoiced.form, rows.map((r) => r.month)), granularity: "monthly", format: (v) => formatMoney(v, currency),
      corner: "Month", caption: `Invoiced usage per month and metric, ${currency}`, empty: "No invoiced usage in this window.", emptySeries: "Total",
    });
  },
};

const usage: View = {
  section: $("#usage"),
  form: $("#usage form"),
  path: "/api/v1/analytics/usage",
  params: () => formParams(usage.form, ["measure", "currency"]),
  csvParams: () => ({ ...usage.params(), currency: $<HTMLSelectElement>("#u-currency").value }),
  render(body) {
    const rows = (body as { usages: UsageRow[] }).usages;
    const currency = chooseCurrency($("#u-currency"), rows.map((r) => ({ currency: r.amount_currency, minor: r.amount_cents })));
    const units = $<HTMLSelectElement>("#u-measure").value === "units";
    const granularity = $<HTMLSelectElement>("#u-time_granularity").value as Granularity;
    const cells = rows.filter((r) => r.amount_currency === currency).map((r) => ({
      period: r.start_of_period_dt,
      series: r.billable_metric_code ?? "(no code)",
      value: units ? r.units : majorAmount(r.amount_cents, currency),
    }));
    const from = $<HTMLInputElement>("#u-from_date").value;
    const to = $<HTMLInputElement>("#u-to_date").value;
    showTableAndChart(usage.section, {
      cells, periods: from && to && from <= to ? periodsBetween(from, to, granularity) : [], granularity,
      format: units ? formatUnits : (v: string) => formatMoney(v, currency),
      corner: "Period", caption: `Usage per period and metric, ${units ? "units" : currency}`, empty: emptyUsageText(session.context), emptySeries: "Total",
    });
  },
};

/**
 * A revenue page: one series per month (per payment status for collections), in the chosen currency.
 * Lago's placeholder rows (a month without data: currency null) are not drawn; the month still is.
 */
function revenueView(id: ViewName, path: string, listKey: string, title: string, series: (r: RevenueRow) => string, empty: string, counts = false): View {
  const currencySelect = $<HTMLSelectElement>(`#${id}-currency`);
  const view: View = {
    section: $(`#${id}`),
    form: $(`#${id} form`),
    path,
    params: () => formParams(view.form, ["currency"]),
    csvParams: () => ({ ...view.params(), currency: currencySelect.value }),
    render(body) {
      const all = (body as Record<string, RevenueRow[]>)[listKey] ?? [];
      const rows = all.filter((r) => r.currency !== null && r.amount_cents !== null);
      const currency = chooseCurrency(currencySelect, rows.map((r) => ({ currency: r.currency as string, minor: r.amount_cents as number })));
      const mine = rows.filter((r) => r.currency === currency);
      const cells = mine.map((r) => ({ period: r.month.slice(0, 10), series: series(r), value: majorAmount(r.amount_cents as number, currency) }));
      const invoices = (period: string) => mine.filter((r) => r.month.slice(0, 10) === period).reduce((n, r) => n + (r.invoices_count ?? 0), 0);
      const extra: ExtraColumn | undefined = counts
        ? { heading: "Invoices", value: (p) => String(invoices(p)), total: String(mine.reduce((n, r) => n + (r.invoices_count ?? 0), 0)) }
        : undefined;
      showTableAndChart(view.section, {
        cells, periods: monthsOf(view.form, all.map((r) => r.month)), granularity: "monthly", format: (v) => formatMoney(v, currency),
        corner: "Month", caption: `${title}, ${currency}`, empty, emptySeries: counts ? "Total" : series({ month: "", currency, amount_cents: 0 }), extra,
      });
    },
  };
  return view;
}

export const VIEWS: Record<ViewName, View> = {
  invoiced,
  usage,
  gross: revenueView("gross", "/api/v1/analytics/gross_revenue", "gross_revenues", "Gross revenue per month", () => "Gross revenue", "No revenue in this window."),
  mrr: revenueView("mrr", "/api/v1/analytics/mrr", "mrrs", "MRR per month", () => "MRR", "No recurring revenue in this window."),
  collections: revenueView("collections", "/api/v1/analytics/invoice_collection", "invoice_collections", "Finalized invoices per month and payment status",
    (r) => r.payment_status ?? "", "No finalized invoice in this window.", true),
  overdue: revenueView("overdue", "/api/v1/analytics/overdue_balance", "overdue_balances", "Overdue balance per month of the due date", () => "Overdue", "Nothing overdue in this window."),
};
