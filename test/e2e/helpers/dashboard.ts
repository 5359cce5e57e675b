// The dashboard's browser tests' shared parts: the service (wrangler dev on the demo database, as
// `npm start` runs it) and Debian's chromium, the API asked directly, and what the page must show
// worked out here independently of the page's code.
import { expect, beforeAll, afterAll } from "vitest";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { join } from "node:path";
import { CHROMIUM } from "../../../scripts/browser.ts";
import { freePort, type LocalService, startLocalService } from "../../../scripts/local-service.ts";

export const KEY = "demo_acme_1";
export const SCREENSHOTS = join(import.meta.dirname, "..", "..", "..", ".data", "screenshots");
/** The service and the browser of the file that called useDashboard(). */
export const dashboard = { service: undefined as unknown as LocalService, browser: undefined as unknown as Browser };

/** Starts the service and the browser before the file's tests, and stops both after them. */
export function useDashboard() {
  beforeAll(async () => {
    dashboard.service = await startLocalService({ port: await freePort(), quiet: true });
    dashboard.browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  }, 180_000);
  afterAll(async () => {
    await dashboard.browser?.close();
    await dashboard.service?.stop();
  });
}

export async function api(path: string, params: Record<string, string>, accept = "application/json") {
  const response = await fetch(`${dashboard.service.url}${path}?${new URLSearchParams(params)}`, { headers: { Authorization: `Bearer ${KEY}`, Accept: accept } });
  expect(response.status).toBe(200);
  return accept === "text/csv" ? response.text() : response.json();
}

// Independent of the page: minor units over 10^digits in a float, then en-US currency formatting.
export const digits = (currency: string) => new Intl.NumberFormat("en-US", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
export const money = (cents: number, currency: string) =>
  new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: digits(currency), maximumFractionDigits: digits(currency) })
    .format(cents / 10 ** digits(currency));
export const utcDate = (p: string) => new Date(`${p.slice(0, 10)}T00:00:00Z`);
export const monthLabel = (month: string) =>
  new Intl.DateTimeFormat("en-US", { year: "numeric", month: "short", timeZone: "UTC" }).format(utcDate(`${month.slice(0, 7)}-01`));
export const dayLabel = (day: string) => new Intl.DateTimeFormat("en-US", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" }).format(utcDate(day));
export const LABELS: Record<string, (p: string) => string> = { monthly: monthLabel, weekly: (p) => `Week of ${dayLabel(p)}`, daily: dayLabel };

// The window's periods, worked out here independently of the page: month starts from `months - 1`
// months ago to this month; for usage, every day / ISO week (Monday) / month from `from` to `to`.
export const ymd = (d: Date) => d.toISOString().slice(0, 10);
export function windowMonths(months: number): string[] {
  const now = new Date();
  return Array.from({ length: months }, (_, i) => ymd(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1) + i, 1))));
}
export function usagePeriods(from: string, to: string, granularity: string): string[] {
  const starts = new Set<string>();
  for (let d = utcDate(from); d <= utcDate(to); d = new Date(d.getTime() + 86_400_000)) {
    if (granularity === "daily") starts.add(ymd(d));
    else if (granularity === "weekly") starts.add(ymd(new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000)));
    else starts.add(`${ymd(d).slice(0, 7)}-01`);
  }
  return [...starts];
}

export type Row = { period: string; series: string; cents: number; currency: string; invoices?: number };

/**
 * The table the page must show: every period of the window ascending, series in byte order (or
 * `emptySeries` alone when there is none), a Total column only for two series or more, totals below.
 */
export function expectedTable(rows: Row[], currency: string, periods: string[], label: (p: string) => string, corner: string,
  opts: { emptySeries?: string; invoices?: boolean } = {}): string[][] {
  const mine = rows.filter((r) => r.currency === currency);
  const codes = [...new Set(mine.map((r) => r.series))].sort();
  if (codes.length === 0 && opts.emptySeries) codes.push(opts.emptySeries);
  const total = codes.length > 1;
  const cents = (p: string | undefined, c: string | undefined) =>
    mine.filter((r) => (p === undefined || r.period === p) && (c === undefined || r.series === c)).reduce((s, r) => s + r.cents, 0);
  const count = (p: string | undefined) => String(mine.filter((r) => p === undefined || r.period === p).reduce((s, r) => s + (r.invoices ?? 0), 0));
  const has = (p: string, c: string) => mine.some((r) => r.period === p && r.series === c);
  return [
    [corner, ...codes, ...(total ? ["Total"] : []), ...(opts.invoices ? ["Invoices"] : [])],
    ...periods.map((p) => [label(p), ...codes.map((c) => (has(p, c) ? money(cents(p, c), currency) : "–")),
      ...(total ? [money(cents(p, undefined), currency)] : []), ...(opts.invoices ? [count(p)] : [])]),
    ["Total", ...codes.map((c) => money(cents(undefined, c), currency)), ...(total ? [money(cents(undefined, undefined), currency)] : []),
      ...(opts.invoices ? [count(undefined)] : [])],
  ];
}

/** The currency the page opens on: the organization's default when the rows have it, else the largest total in major units. */
export function opening(rows: Row[], defaultCurrency: string | null): string {
  if (defaultCurrency && rows.some((r) => r.currency === defaultCurrency)) return defaultCurrency;
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.currency, (totals.get(r.currency) ?? 0) + r.cents / 10 ** digits(r.currency));
  return [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}

export async function organization() {
  return (await api("/api/v1/analytics/organization", {})) as { organization: { default_currency: string | null; currencies: string[] }; billing_entities: { code: string; name: string }[] };
}

// What page-side functions touch (this file is compiled for Node, without the DOM's types). They are
// functions, not strings: the page's CSP forbids eval, and playwright evaluates strings with it.
type PageElement = { textContent: string | null };
declare const document: { querySelector(selector: string): PageElement | null; cookie: string; documentElement: { scrollWidth: number } };
declare const localStorage: { length: number };
declare const sessionStorage: Record<string, string> & { length: number };
declare const lagoDashboard: { chart(view: string): unknown };
export const NOT_BUSY = () => !document.querySelector("[aria-busy]");

export const shownTable = (page: Page, view: string) =>
  page.$$eval(`#${view} table tr`, (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? "")));

/** A new page on the dashboard, signed out: the key form shown. */
export async function signedOut(context: BrowserContext) {
  const page = await context.newPage();
  await page.goto(`${dashboard.service.url}/`);
  await page.waitForSelector("#sign-in:not([hidden])");
  return page;
}

export async function signIn(context: BrowserContext, key = KEY) {
  const page = await signedOut(context);
  await page.fill("#api-key", key);
  await page.click("#sign-in button[type=submit]");
  return page;
}

/** Signed in with the demo key, then at the dashboard's address with `query` (a link to a view). */
export async function signedInAt(context: BrowserContext, query: string) {
  const page = await signIn(context);
  await page.waitForSelector("#invoiced table");
  await page.goto(`${dashboard.service.url}/?${query}`);
  return page;
}

/** A fresh browser context (en-US), signed in with the demo key, the invoiced-usage table shown. */
export async function signedIn(options: { viewport?: { width: number; height: number }; acceptDownloads?: boolean } = {}) {
  const context = await dashboard.browser.newContext({ locale: "en-US", ...options });
  const page = await signIn(context);
  await page.waitForSelector("#invoiced table");
  return { context, page };
}

export const invoicedRows = async (params: Record<string, string>) =>
  ((await api("/api/v1/analytics/invoiced_usage", params)) as { invoiced_usages: { month: string; code: string; currency: string; amount_cents: number }[] })
    .invoiced_usages.map((r) => ({ period: r.month.slice(0, 10), series: r.code, cents: r.amount_cents, currency: r.currency }));

