import { type Answer, apiKey, getJson, KEY_STORAGE, type Params, request } from "./api.ts";
import { chartData, drawChart } from "./chart.ts";
import { compareLastPeriods } from "./compare.ts";
import { type Amount, chosenCurrency } from "./currency.ts";
import { emptyUsageText, fetchContext, fillEntities, type OrganizationContext } from "./context.ts";
import { formatMoney, formatUnits, majorAmount } from "./money.ts";
import { type Granularity, periodsBetween, windowMonths } from "./periods.ts";
import { type Cell, pivot } from "./pivot.ts";
import { type ExtraColumn, renderComparison, renderTable } from "./table.ts";

// The dashboard: the invoiced-usage page Lago sells with its premium licence, a usage page, and the
// revenue pages (gross revenue, MRR, collections, overdue balance), on this service's API. Plain
// TypeScript on the DOM: a few forms and tables need no framework. What is shown (page, filters,
// granularity, never the key) lives in the URL, so a link or a reload opens the same view.

type InvoicedRow = { month: string; code?: string; currency: string; amount_cents: number };
type UsageRow = { start_of_period_dt: string; billable_metric_code?: string; amount_currency: string; amount_cents: number; units: string };
type RevenueRow = { month: string; currency: string | null; amount_cents: number | null; payment_status?: string | null; invoices_count?: number };
type ViewName = "invoiced" | "usage" | "gross" | "mrr" | "collections" | "overdue";
type View = { section: HTMLElement; form: HTMLFormElement; path: string; params(): Params; render(body: unknown): void; csvParams(): Params };

const $ = <T extends HTMLElement>(selector: string, root: ParentNode = document) => root.querySelector(selector) as T;
const signIn = $<HTMLFormElement>("#sign-in");
const keyInput = $<HTMLInputElement>("#api-key");
const signInMessage = $<HTMLElement>("#sign-in-message");
const freshness = $<HTMLElement>("#freshness");
let current: ViewName = "invoiced";
let lastBody: Partial<Record<ViewName, unknown>> = {};
let context: OrganizationContext | undefined;

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
  const listed = [...new Set([...withRows, ...(context?.organization.currencies ?? [])])].sort();
  const keep = chosenCurrency({ listed, rows, picked: select.dataset.want, shown: select.value, defaultCurrency: context?.organization.default_currency });
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
      corner: "Period", caption: `Usage per period and metric, ${units ? "units" : currency}`, empty: emptyUsageText(context), emptySeries: "Total",
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

const VIEWS: Record<ViewName, View> = {
  invoiced,
  usage,
  gross: revenueView("gross", "/api/v1/analytics/gross_revenue", "gross_revenues", "Gross revenue per month", () => "Gross revenue", "No revenue in this window."),
  mrr: revenueView("mrr", "/api/v1/analytics/mrr", "mrrs", "MRR per month", () => "MRR", "No recurring revenue in this window."),
  collections: revenueView("collections", "/api/v1/analytics/invoice_collection", "invoice_collections", "Finalized invoices per month and payment status",
    (r) => r.payment_status ?? "", "No finalized invoice in this window.", true),
  overdue: revenueView("overdue", "/api/v1/analytics/overdue_balance", "overdue_balances", "Overdue balance per month of the due date", () => "Overdue", "Nothing overdue in this window."),
};

function describeFreshness(headers: Headers) {
  const modified = headers.get("Last-Modified");
  const age = headers.get("Age");
  const verdict = (headers.get("Cache-Status") ?? "").split(";").slice(1).map((p) => p.trim());
  const cached = verdict.includes("hit") ? `from the edge cache, copy ${age ?? 0} s old` : "just read";
  const asOf = modified ? `Numbers as of ${new Date(modified).toLocaleString(navigator.language || "en-US")}` : "Numbers as of now";
  freshness.textContent = `${asOf} (${cached}).`;
}

function showError(view: View, answer: Exclude<Answer, { ok: true }>) {
  const status = $<HTMLElement>(".status", view.section);
  status.classList.add("error");
  const retry = answer.headers.get("Retry-After");
  if (answer.status === 401) return signOut("That key was refused (401): paste a live Lago API key.");
  if (answer.status === 422 && answer.body.error_details) {
    for (const [name, reasons] of Object.entries(answer.body.error_details)) {
      const slot = view.section.querySelector<HTMLElement>(`[id$="-${name}-error"]`);
      if (slot) slot.textContent = reasons.join(", ").replaceAll("_", " ");
    }
    status.textContent = "Some fields are not valid: see the messages next to them.";
    return;
  }
  if (answer.status === 429) status.textContent = `Too many requests: try again in ${retry ?? "a few"} seconds.`;
  else if (answer.status === 503) status.textContent = `The database is unavailable: try again in ${retry ?? "a few"} seconds.`;
  else if (answer.status === 404) status.textContent = answer.body.code === "billing_entity_not_found" ? "No billing entity has that code." : "Not found.";
  else status.textContent = `Something went wrong (${answer.status})${answer.body.request_id ? `, request id ${answer.body.request_id}` : ""}.`;
}

/** `early`: the view's answer already asked for (at sign-in, beside the key check). */
async function load(fresh = false, early?: Promise<Answer>) {
  const view = VIEWS[current];
  for (const slot of view.section.querySelectorAll<HTMLElement>(".field-error")) slot.textContent = "";
  const status = $<HTMLElement>(".status", view.section);
  status.classList.remove("error");
  status.textContent = "Loading…";
  view.section.setAttribute("aria-busy", "true");
  try {
    const answer = await (early ?? getJson(view.path, view.params(), fresh));
    if (!answer.ok) return showError(view, answer);
    lastBody[current] = answer.body;
    view.render(answer.body);
    describeFreshness(answer.headers);
    remember();
  } catch {
    status.classList.add("error");
    status.textContent = "The service could not be reached.";
  } finally {
    view.section.removeAttribute("aria-busy");
  }
}

// --- The view in the URL: ?view=mrr&months=6&currency=EUR… (never the key). ---

/** The URL's query for what is shown: the page and every non-empty field of its form. */
function stateQuery(): string {
  const params = new URLSearchParams({ view: current });
  for (const [name, value] of new FormData(VIEWS[current].form)) if (String(value) !== "") params.set(name, String(value));
  return `?${params}`;
}

/** A new history entry when the view changed (back and forward move between views). */
function remember() {
  const query = stateQuery();
  if (query !== location.search) history.pushState(null, "", query);
}

/** Sets the page and its fields from a URL query; a value a select lacks (a code from a link) is added. */
function applyQuery(search: string) {
  const params = new URLSearchParams(search);
  const name = params.get("view");
  current = name !== null && name in VIEWS ? (name as ViewName) : "invoiced";
  const form = VIEWS[current].form;
  for (const [field, value] of params) {
    const el = form.elements.namedItem(field);
    if (el instanceof HTMLSelectElement) {
      if (field === "currency") el.dataset.want = value;
      if (![...el.options].some((o) => o.value === value)) el.append(new Option(value, value));
      el.value = value;
    } else if (el instanceof HTMLInputElement) {
      el.value = value;
    }
  }
}

function show(name: ViewName, reload = false, early?: Promise<Answer>) {
  current = name;
  for (const [n, v] of Object.entries(VIEWS)) v.section.hidden = n !== name;
  for (const b of document.querySelectorAll<HTMLButtonElement>("#views button")) b.setAttribute("aria-pressed", String(b.dataset.view === name));
  const body = lastBody[name];
  if (body && !reload) {
    VIEWS[name].render(body);
    remember();
  } else void load(false, early);
}

function signOut(message = "") {
  sessionStorage.removeItem(KEY_STORAGE);
  lastBody = {};
  context = undefined;
  signInMessage.textContent = message;
  signIn.hidden = false;
  for (const el of [$("#views"), $("#session"), ...Object.values(VIEWS).map((v) => v.section)]) el.hidden = true;
  freshness.textContent = "";
  keyInput.focus();
}

/**
 * Checks the key with the organization's context before anything else is shown: a refused key
 * brings the form back with the reason, whatever the pages' own requests would have answered.
 */
async function enter(key: string) {
  sessionStorage.setItem(KEY_STORAGE, key);
  signInMessage.textContent = "Checking the key…";
  signIn.setAttribute("aria-busy", "true");
  let answer: Answer | undefined;
  // The first page's figures are asked for at once, beside the check: one round trip less to the first chart.
  const early = getJson(VIEWS[current].path, VIEWS[current].params());
  early.catch(() => undefined);
  try {
    answer = await fetchContext();
  } catch {
    answer = undefined;
  } finally {
    signIn.removeAttribute("aria-busy");
  }
  if (answer?.ok) {
    context = answer.body as OrganizationContext;
    for (const select of document.querySelectorAll<HTMLSelectElement>("select[name=billing_entity_code]")) fillEntities(select, context, select.value);
    signIn.hidden = true;
    signInMessage.textContent = "";
    $("#views").hidden = false;
    $("#session").hidden = false;
    show(current, false, early);
    return;
  }
  signOut(answer?.status === 401 ? "That key was refused (401): paste a live Lago API key."
    : answer ? `The key could not be checked (${answer.status}): try again in a moment.` : "The service could not be reached: try again in a moment.");
}

async function downloadCsv() {
  const view = VIEWS[current];
  const response = await request(view.path, { ...view.csvParams(), format: "csv" });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as Exclude<Answer, { ok: true }>["body"];
    return showError(view, { ok: false, status: response.status, body, headers: response.headers });
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "export.csv";
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

signIn.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  // The key leaves the DOM at once: it lives in this tab's session storage only.
  keyInput.value = "";
  if (key) void enter(key);
});
for (const view of Object.values(VIEWS)) {
  view.form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
}
const redrawOnChange = ["#iu-currency", "#u-currency", "#u-measure", "#gross-currency", "#mrr-currency", "#collections-currency", "#overdue-currency"];
for (const select of redrawOnChange.map((id) => $<HTMLSelectElement>(id))) {
  select.addEventListener("change", () => {
    if (select.name === "currency") select.dataset.want = select.value;
    const body = lastBody[current];
    if (!body) return;
    VIEWS[current].render(body);
    remember();
  });
}
for (const button of document.querySelectorAll<HTMLButtonElement>("#views button")) {
  button.addEventListener("click", () => show(button.dataset.view as ViewName));
}
$("#refresh").addEventListener("click", () => void load(true));
$("#download").addEventListener("click", () => void downloadCsv());
$("#sign-out").addEventListener("click", () => signOut());
window.addEventListener("popstate", () => {
  if (signIn.hidden === false) return;
  applyQuery(location.search);
  show(current, true);
});

// The usage view starts on the last twelve months, like the invoiced view, unless the URL says otherwise.
const today = new Date();
$<HTMLInputElement>("#u-to_date").value = today.toISOString().slice(0, 10);
$<HTMLInputElement>("#u-from_date").value = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 11, 1)).toISOString().slice(0, 10);
applyQuery(location.search);

// What the charts show, for browser tests and the curious: read-only.
Object.assign(window, { lagoDashboard: { chart: (view: ViewName) => chartData($<HTMLCanvasElement>("canvas", VIEWS[view].section)) } });

const stored = apiKey();
if (stored) void enter(stored);
else signOut();
