import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DASHBOARD_SCRIPT } from "../../scripts/assets/build.ts";
import {
  api, dashboard, digits, expectedTable, money, invoicedRows, KEY, LABELS, monthLabel, NOT_BUSY, opening, organization, SCREENSHOTS,
  shownTable, signedIn, signedInAt, signIn, usagePeriods, useDashboard, windowMonths,
} from "./helpers/dashboard.ts";

// The dashboard in Debian's chromium (driven by playwright-core), served by the Worker in wrangler
// dev on the demo database, exactly as `npm start` runs it. What the page shows is compared with
// what the API answers for the same parameters, formatted here independently of the page's code.
// What page-side functions touch (this file is compiled for Node, without the DOM's types). They are
// functions, not strings: the page's CSP forbids eval, and playwright evaluates strings with it.
type PageElement = { textContent: string | null };
declare const document: { querySelector(selector: string): PageElement | null; cookie: string; documentElement: { scrollWidth: number } };
declare const localStorage: { length: number };
declare const sessionStorage: Record<string, string> & { length: number };
declare const lagoDashboard: { chart(view: string): unknown };

useDashboard();

describe("the dashboard in chromium", () => {
  it("is served by the Worker with a strict CSP, and loads nothing from elsewhere", async () => {
    const context = await dashboard.browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const origins = new Set<string>();
    page.on("request", (r) => origins.add(new URL(r.url()).origin));
    const response = await page.goto(`${dashboard.service.url}/`);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.fill("#api-key", KEY);
    await page.click("#sign-in button[type=submit]");
    await page.waitForSelector("#invoiced table");
    expect([...origins]).toEqual([dashboard.service.url]);
    const atDashboard = await context.request.get(`${dashboard.service.url}/dashboard`);
    expect(atDashboard.headers()["content-security-policy"]).toContain("default-src 'self'");
    await context.close();
  }, 60_000);

  it("signs in with a demo key: the invoiced-usage table and chart are the API's months, metrics and amounts", async () => {
    const { context, page } = await signedIn({ viewport: { width: 1440, height: 900 } });
    const rows = await invoicedRows({ months: "12" });
    const currency = opening(rows, (await organization()).organization.default_currency);
    expect(await page.inputValue("#iu-currency")).toBe(currency);
    const periods = windowMonths(12);
    expect(await shownTable(page, "invoiced")).toEqual(expectedTable(rows, currency, periods, monthLabel, "Month", { emptySeries: "Total" }));
    const chart = (await page.evaluate(() => lagoDashboard.chart("invoiced"))) as {
      labels: string[]; datasets: { label: string; data: number[] }[];
    };
    const mine = rows.filter((r) => r.currency === currency);
    // Every month of the window on the axis, those without data as zero.
    expect(chart.labels).toEqual(periods.map(monthLabel));
    for (const dataset of chart.datasets) {
      expect(dataset.data).toEqual(periods.map((p) => mine.filter((r) => r.period === p && r.series === dataset.label).reduce((s, r) => s + r.cents, 0) / 10 ** digits(currency)));
    }
    expect(chart.datasets.map((d) => d.label)).toEqual([...new Set(mine.map((r) => r.series))].sort());
    // Month over month: last month (this one is not over) against the one before, in cents, exactly.
    const [before, last] = periods.slice(-3, -1) as [string, string];
    const centsOf = (p: string) => mine.filter((r) => r.period === p).reduce((s, r) => s + r.cents, 0);
    const change = centsOf(last) - centsOf(before);
    const sign = change < 0 ? "" : "+";
    const percent = centsOf(before) === 0 ? "(no base)" : `(${sign}${((change / Math.abs(centsOf(before))) * 100).toFixed(1)}%)`;
    expect(await page.$$eval("#invoiced .compare .figure", (items) => items.map((i) => [i.querySelector("dt")?.textContent, i.querySelector("dd")?.textContent])))
      .toEqual([[monthLabel(last), money(centsOf(last), currency)], [monthLabel(before), money(centsOf(before), currency)],
        ["Change", `${sign}${money(change, currency)} ${percent}`]]);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-1440.png"), fullPage: true });
    await context.close();
  }, 60_000);

  it("follows the currency, the months window and the billing entity", async () => {
    const { context, page } = await signedIn();
    await page.selectOption("#iu-months", "3");
    await page.click("#invoiced button[type=submit]");
    await page.waitForFunction(NOT_BUSY);
    const rows = await invoicedRows({ months: "3" });
    const currencies = [...new Set(rows.map((r) => r.currency))].sort();
    expect(currencies.length).toBeGreaterThan(1);
    for (const currency of currencies) {
      await page.selectOption("#iu-currency", currency);
      expect(await shownTable(page, "invoiced"), currency).toEqual(expectedTable(rows, currency, windowMonths(3), monthLabel, "Month", { emptySeries: "Total" }));
    }
    // The billing entity is a choice of the organization's entities, by name.
    const entities = (await organization()).billing_entities;
    expect(await page.$$eval("#iu-billing_entity_code option", (os) => os.map((o) => [o.getAttribute("value"), o.textContent])))
      .toEqual([["", "All"], ...entities.map((e) => [e.code, e.name === e.code ? e.code : `${e.name} (${e.code})`])]);
    await page.selectOption("#iu-billing_entity_code", "acme_eu");
    await page.click("#invoiced button[type=submit]");
    await page.waitForFunction(NOT_BUSY);
    const entityRows = await invoicedRows({ months: "3", billing_entity_code: "acme_eu" });
    expect(entityRows.length).toBeGreaterThan(0);
    expect(entityRows.length).toBeLessThan(rows.length);
    const currency = await page.inputValue("#iu-currency");
    expect(await shownTable(page, "invoiced")).toEqual(expectedTable(entityRows, currency, windowMonths(3), monthLabel, "Month", { emptySeries: "Total" }));
    await context.close();
  }, 60_000);

  it("shows usage with a filter, in each granularity", async () => {
    const { context, page } = await signedIn();
    await page.click("#views button[data-view=usage]");
    await page.waitForSelector("#usage table");
    await page.fill("#u-customer_country", "fr");
    const defaultCurrency = (await organization()).organization.default_currency;
    for (const granularity of ["daily", "weekly", "monthly"]) {
      await page.selectOption("#u-time_granularity", granularity);
      await page.click("#usage button[type=submit]");
      await page.waitForFunction(NOT_BUSY);
      const params = {
        time_granularity: granularity,
        from_date: await page.inputValue("#u-from_date"),
        to_date: await page.inputValue("#u-to_date"),
        customer_country: "fr",
      };
      const body = (await api("/api/v1/analytics/usage", params)) as { usages: { start_of_period_dt: string; billable_metric_code: string; amount_currency: string; amount_cents: number }[] };
      const rows = body.usages.map((r) => ({ period: r.start_of_period_dt, series: r.billable_metric_code, cents: r.amount_cents, currency: r.amount_currency }));
      expect(rows.length).toBeGreaterThan(0);
      const currency = await page.inputValue("#u-currency");
      expect(currency).toBe(opening(rows, defaultCurrency));
      const periods = usagePeriods(params.from_date, params.to_date, granularity);
      expect(await shownTable(page, "usage"), granularity).toEqual(expectedTable(rows, currency, periods, LABELS[granularity]!, "Period", { emptySeries: "Total" }));
    }
    await context.close();
  }, 90_000);

  it("shows gross revenue, MRR, collections per payment status and overdue balances as the API answers them", async () => {
    const { context, page } = await signedIn({ viewport: { width: 1440, height: 900 } });
    const pages = [
      { view: "gross", path: "/api/v1/analytics/gross_revenue", key: "gross_revenues", series: () => "Gross revenue" },
      { view: "mrr", path: "/api/v1/analytics/mrr", key: "mrrs", series: () => "MRR" },
      { view: "collections", path: "/api/v1/analytics/invoice_collection", key: "invoice_collections", series: (r: { payment_status?: string | null }) => r.payment_status ?? "" },
      { view: "overdue", path: "/api/v1/analytics/overdue_balance", key: "overdue_balances", series: () => "Overdue" },
    ];
    const defaultCurrency = (await organization()).organization.default_currency;
    for (const { view, path, key, series } of pages) {
      await page.click(`#views button[data-view=${view}]`);
      await page.waitForSelector(`#${view} table`);
      await page.waitForFunction(NOT_BUSY);
      const body = (await api(path, { months: "12" })) as Record<string, { month: string; currency: string | null; amount_cents: number | null; payment_status?: string | null; invoices_count?: number }[]>;
      // Lago's placeholder rows (no data that month) carry no currency: nothing to draw, the month still listed.
      const rows = (body[key] ?? []).filter((r) => r.currency !== null)
        .map((r) => ({ period: r.month.slice(0, 10), series: series(r), cents: r.amount_cents as number, currency: r.currency as string, invoices: r.invoices_count }));
      expect(rows.length, view).toBeGreaterThan(0);
      const currency = opening(rows, defaultCurrency);
      expect(await page.inputValue(`#${view}-currency`), view).toBe(currency);
      const collections = view === "collections";
      expect(await shownTable(page, view), view).toEqual(expectedTable(rows, currency, windowMonths(12), monthLabel, "Month",
        { emptySeries: collections ? "Total" : series({}), invoices: collections }));
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.click("#views button[data-view=collections]");
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-collections-1440.png"), fullPage: true });
    await context.close();
  }, 90_000);

  it("opens the view a link names (page and filters, never the key); back and forward move between views", async () => {
    const context = await dashboard.browser.newContext({ locale: "en-US" });
    // A link to the overdue page for an entity code the organization does not have: the API's 404, said in words.
    const page = await signedInAt(context, "view=overdue&months=6&billing_entity_code=nowhere");
    await page.waitForSelector("#overdue:not([hidden])");
    await page.waitForFunction(() => (document.querySelector("#overdue .status")?.textContent ?? "") === "No billing entity has that code.");
    expect(await page.inputValue("#overdue-months")).toBe("6");
    // Choosing views writes them to the URL; back returns to the previous one.
    await page.click("#views button[data-view=mrr]");
    await page.waitForSelector("#mrr table");
    await page.waitForFunction(NOT_BUSY);
    expect(new URL(page.url()).searchParams.get("view")).toBe("mrr");
    await page.selectOption("#mrr-months", "3");
    await page.click("#mrr button[type=submit]");
    await page.waitForFunction(() => new URLSearchParams((globalThis as unknown as { location: { search: string } }).location.search).get("months") === "3");
    await page.goBack();
    await page.waitForFunction(() => new URLSearchParams((globalThis as unknown as { location: { search: string } }).location.search).get("months") === "12");
    await page.waitForFunction(NOT_BUSY);
    expect(await page.inputValue("#mrr-months")).toBe("12");
    expect((await shownTable(page, "mrr")).length).toBe(12 + 2);
    await page.reload();
    await page.waitForSelector("#mrr table");
    expect(await page.inputValue("#mrr-months")).toBe("12");
    expect(page.url()).not.toContain(KEY);
    await context.close();
  }, 90_000);

  it("a refused key brings back the key form with a message; a 422 shows next to its field", async () => {
    const context = await dashboard.browser.newContext({ locale: "en-US" });
    const wrong = await signIn(context, "not-a-lago-key");
    await wrong.waitForSelector("#sign-in:not([hidden])");
    await wrong.waitForFunction(() => (document.querySelector("#sign-in-message")?.textContent ?? "").includes("401"));
    expect(await wrong.isVisible("#invoiced")).toBe(false);

    const page = await signIn(context);
    await page.waitForSelector("#invoiced table");
    await page.click("#views button[data-view=usage]");
    await page.waitForSelector("#usage table");
    await page.fill("#u-from_date", "2026-02-01");
    await page.fill("#u-to_date", "2026-01-01");
    await page.click("#usage button[type=submit]");
    await page.waitForFunction(() => (document.querySelector("#u-from_date-error")?.textContent ?? "") !== "");
    expect(await page.textContent("#u-from_date-error")).toBe("value is invalid");
    expect(await page.textContent("#u-to_date-error")).toBe("");
    await context.close();
  }, 60_000);

  it("downloads exactly the current view's CSV", async () => {
    const { context, page } = await signedIn({ acceptDownloads: true });
    await page.selectOption("#iu-months", "6");
    await page.click("#invoiced button[type=submit]");
    await page.waitForFunction(NOT_BUSY);
    const currency = await page.inputValue("#iu-currency");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    const saved = await download.path();
    const expected = await api("/api/v1/analytics/invoiced_usage", { months: "6", currency, format: "csv" }, "text/csv");
    expect(readFileSync(saved, "utf8")).toBe(expected);
    expect(download.suggestedFilename()).toBe(`invoiced_usage_currency-${currency}_months-6.csv`);
    await context.close();
  }, 60_000);

  it("says how fresh the numbers are, and Refresh asks the API for fresh data", async () => {
    const { context, page } = await signedIn();
    expect(await page.textContent("#freshness")).toMatch(/^Numbers as of .+\((from the edge cache, copy \d+ s old|just read)\)\.$/);
    const [refresh] = await Promise.all([
      page.waitForRequest((r) => r.url().includes("/api/v1/analytics/invoiced_usage")),
      page.click("#refresh"),
    ]);
    expect(refresh.headers()["cache-control"]).toBe("no-cache");
    await page.waitForFunction(NOT_BUSY);
    expect(await page.textContent("#freshness")).toMatch(/\(just read\)\.$/);
    await context.close();
  }, 60_000);

  it("keeps the key in this tab's session storage only, never in the DOM, local storage, a cookie or the URL", async () => {
    const { context, page } = await signedIn();
    expect(await page.content()).not.toContain(KEY);
    expect(await page.inputValue("#api-key")).toBe("");
    expect(page.url()).not.toContain(KEY);
    expect(await page.evaluate(() => [localStorage.length, document.cookie, Object.values(sessionStorage)])).toEqual([0, "", [KEY]]);
    await page.click("#sign-out");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.isVisible("#sign-in")).toBe(true);
    await context.close();
  }, 60_000);

  it("is usable at 375 px: nothing wider than the screen but the scrolling table", async () => {
    const { context, page } = await signedIn({ viewport: { width: 375, height: 812 } });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-375.png"), fullPage: true });
    expect(existsSync(join(SCREENSHOTS, "dashboard-375.png"))).toBe(true);
    await context.close();
  }, 60_000);
});

describe("the dashboard's script", () => {
  it("is at most 120 KB gzipped", () => {
    expect(gzipSync(readFileSync(DASHBOARD_SCRIPT), { level: 9 }).length).toBeLessThanOrEqual(120 * 1024);
  });
});
