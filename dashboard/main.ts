import { type Answer, apiKey, getJson, KEY_STORAGE, type Params, request } from "./api.ts";
import { chartData, drawChart } from "./chart.ts";
import { addDecimals } from "../src/decimal.ts";
import { formatMoney, formatUnits, majorAmount } from "./money.ts";
import { type Cell, pivot } from "./pivot.ts";
import { renderTable } from "./table.ts";

// The dashboard: the invoiced-usage page Lago sells with its premium licence, a usage page, and the
// revenue pages (gross revenue, MRR, collections, overdue balance), on this service's API. Plain
// TypeScript on the DOM: a few forms and tables need no framework.

type InvoicedRow = { month: string; code?: string; currency: string; amount_cents: number };
type UsageRow = { start_of_period_dt: string; billable_metric_code?: string; amount_currency: string; amount_cents: number; units: string };
type RevenueRow = { month: string; currency: string | null; amount_cents: number | null; payment_status?: string | null };
type ViewName = "invoiced" | "usage" | "gross" | "mrr" | "collections" | "overdue";
type View = { section: HTMLElement; form: HTMLFormElement; path: string; params(): Params; render(body: unknown): void; csvParams(): Params };

const $ = <T extends HTMLElement>(selector: string, root: ParentNode = document) => root.querySelector(selector) as T;
const signIn = $<HTMLFormElement>("#sign-in");
const keyInput = $<HTMLInputElement>("#api-key");
const signInMessage = $<HTMLElement>("#sign-in-message");
const freshness = $<HTMLElement>("#freshness");
let current: ViewName = "invoiced";
let lastBody: Partial<Record<ViewName, unknown>> = {};

const monthLabel = (month: string) =>
  new Intl.DateTimeFormat(navigator.language || "en-US", { year: "numeric", month: "short", timeZone: "UTC" }).format(new Date(`${month.slice(0, 7)}-01T00:00:00Z`));

/** The currency with the largest total in major units (amounts are never converted between currencies). */
function largestCurrency(rows: { currency: string; minor: string | number }[]): string | undefined {
  const totals = new Map<string, string[]>();
  for (const r of rows) totals.set(r.currency, [...(totals.get(r.currency) ?? []), majorAmount(r.minor, r.currency)]);
  let best: [string, number] | undefined;
  for (const [currency, values] of totals) {
    const total = Number(addDecimals(values));
    if (!best || total > best[1] || (total === best[1] && currency < best[0])) best = [currency, total];
  }
  return best?.[0];
}

/**
 * Lists the answer's currencies in `select` (keeping the chosen one when still there, else the one
 * with the largest total) and returns the chosen currency.
 */
function chooseCurrency(select: HTMLSelectElement, rows: { currency: string; minor: string | number }[]): string {
  const currencies = [...new Set(rows.map((r) => r.currency))].sort();
  const keep = currencies.includes(select.value) ? select.value : largestCurrency(rows);
  select.replaceChildren(...currencies.map((c) => new Option(c, c, false, c === keep)));
  select.disabled = currencies.length === 0;
  return select.value;
}

function formParams(form: HTMLFormElement, skip: string[] = []): Params {
  const params: Params = {};
  for (const [name, value] of new FormData(form)) if (!skip.includes(name)) params[name] = String(value).trim();
  return params;
}

function showTableAndChart(section: HTMLElement, cells: Cell[], label: (p: string) => string, format: (v: string) => string, corner: string, empty: string) {
  const status = $<HTMLElement>(".status", section);
  const table = pivot(cells);
  drawChart($<HTMLCanvasElement>("canvas", section), table, label, (v) => format(String(v)));
  renderTable($<HTMLElement>(".table", section), table, label, format, corner);
  status.classList.remove("error");
  status.textContent = cells.length === 0 ? empty : "";
}

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
      .map((r) => ({ period: r.month, series: r.code ?? "(no code)", value: majorAmount(r.amount_cents, currency) }));
    showTableAndChart(invoiced.section, cells, monthLabel, (v) => formatMoney(v, currency), "Month", "No invoiced usage in this window.");
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
    const cells = rows.filter((r) => r.amount_currency === currency).map((r) => ({
      period: r.start_of_period_dt,
      series: r.billable_metric_code ?? "(no code)",
      value: units ? r.units : majorAmount(r.amount_cents, currency),
    }));
    const format = units ? formatUnits : (v: string) => formatMoney(v, currency);
    showTableAndChart(usage.section, cells, (p) => p, format, "Period", "No usage in this window.");
  },
};

/**
 * A revenue page: one series per month (per payment status for collections), in the chosen currency.
 * Lago's placeholder rows (a month without data: currency null) are not drawn.
 */
function revenueView(id: ViewName, path: string, listKey: string, series: (r: RevenueRow) => string, empty: string): View {
  const currencySelect = $<HTMLSelectElement>(`#${id}-currency`);
  const view: View = {
    section: $(`#${id}`),
    form: $(`#${id} form`),
    path,
    params: () => formParams(view.form, ["currency"]),
    csvParams: () => ({ ...view.params(), currency: currencySelect.value }),
    render(body) {
      const rows = (body as Record<string, RevenueRow[]>)[listKey]?.filter((r) => r.currency !== null && r.amount_cents !== null) ?? [];
      const currency = chooseCurrency(currencySelect, rows.map((r) => ({ currency: r.currency as string, minor: r.amount_cents as number })));
      const cells = rows.filter((r) => r.currency === currency)
        .map((r) => ({ period: r.month, series: series(r), value: majorAmount(r.amount_cents as number, currency) }));
      showTableAndChart(view.section, cells, monthLabel, (v) => formatMoney(v, currency), "Month", empty);
    },
  };
  return view;
}

const VIEWS: Record<ViewName, View> = {
  invoiced,
  usage,
  gross: revenueView("gross", "/api/v1/analytics/gross_revenue", "gross_revenues", () => "Gross revenue", "No revenue in this window."),
  mrr: revenueView("mrr", "/api/v1/analytics/mrr", "mrrs", () => "MRR", "No recurring revenue in this window."),
  collections: revenueView("collections", "/api/v1/analytics/invoice_collection", "invoice_collections", (r) => r.payment_status ?? "", "No finalized invoice in this window."),
  overdue: revenueView("overdue", "/api/v1/analytics/overdue_balance", "overdue_balances", () => "Overdue", "Nothing overdue in this window."),
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

async function load(fresh = false) {
  const view = VIEWS[current];
  for (const slot of view.section.querySelectorAll<HTMLElement>(".field-error")) slot.textContent = "";
  const status = $<HTMLElement>(".status", view.section);
  status.classList.remove("error");
  status.textContent = "Loading…";
  view.section.setAttribute("aria-busy", "true");
  try {
    const answer = await getJson(view.path, view.params(), fresh);
    if (!answer.ok) return showError(view, answer);
    lastBody[current] = answer.body;
    view.render(answer.body);
    describeFreshness(answer.headers);
  } catch {
    status.classList.add("error");
    status.textContent = "The service could not be reached.";
  } finally {
    view.section.removeAttribute("aria-busy");
  }
}

function show(name: ViewName) {
  current = name;
  for (const [n, v] of Object.entries(VIEWS)) v.section.hidden = n !== name;
  for (const b of document.querySelectorAll<HTMLButtonElement>("#views button")) b.setAttribute("aria-pressed", String(b.dataset.view === name));
  const body = lastBody[name];
  if (body) VIEWS[name].render(body);
  else void load();
}

function signOut(message = "") {
  sessionStorage.removeItem(KEY_STORAGE);
  lastBody = {};
  signInMessage.textContent = message;
  signIn.hidden = false;
  for (const el of [$("#views"), $("#session"), ...Object.values(VIEWS).map((v) => v.section)]) el.hidden = true;
  freshness.textContent = "";
  keyInput.focus();
}

function signedIn() {
  signIn.hidden = true;
  signInMessage.textContent = "";
  $("#views").hidden = false;
  $("#session").hidden = false;
  show(current);
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
  if (!key) return;
  sessionStorage.setItem(KEY_STORAGE, key);
  signedIn();
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
    const body = lastBody[current];
    if (body) VIEWS[current].render(body);
  });
}
for (const button of document.querySelectorAll<HTMLButtonElement>("#views button")) {
  button.addEventListener("click", () => show(button.dataset.view as ViewName));
}
$("#refresh").addEventListener("click", () => void load(true));
$("#download").addEventListener("click", () => void downloadCsv());
$("#sign-out").addEventListener("click", () => signOut());

// The usage view starts on the last twelve months, like the invoiced view.
const today = new Date();
$<HTMLInputElement>("#u-to_date").value = today.toISOString().slice(0, 10);
$<HTMLInputElement>("#u-from_date").value = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 11, 1)).toISOString().slice(0, 10);

// What the charts show, for browser tests and the curious: read-only.
Object.assign(window, { lagoDashboard: { chart: (view: ViewName) => chartData($<HTMLCanvasElement>("canvas", VIEWS[view].section)) } });

if (apiKey()) signedIn();
else signOut();
