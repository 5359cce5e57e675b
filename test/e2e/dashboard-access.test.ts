import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api, dashboard, KEY, NOT_BUSY, organization, SCREENSHOTS, signedInAt, signedOut, useDashboard } from "./helpers/dashboard.ts";

// The dashboard in any window and for everyone, in Debian's chromium against the Worker in wrangler
// dev on the demo database: resizing both ways, screenshots of every page, an axe-core audit,
// keyboard-only use, and the usage page's empty state.
declare const document: { querySelector(selector: string): unknown; documentElement: { scrollWidth: number } };
declare const lagoDashboard: { chart(view: string): unknown };

useDashboard();

const VIEW_NAMES = ["invoiced", "usage", "gross", "mrr", "collections", "overdue"] as const;
const pageWidth = () => document.documentElement.scrollWidth;

/** The serious and critical violations axe-core finds on the page as it is now: [rule id, nodes]. */
async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => [v.id, v.nodes.map((n) => n.target.join(" "))]);
}

describe("the dashboard in any window, for everyone", () => {
  it("follows the window both ways: no page-wide scroll from 1440 down to 320 px and back, on every page; screenshots of each", async () => {
    const context = await dashboard.browser.newContext({ locale: "en-US", viewport: { width: 1440, height: 900 } });
    // The service warmed by another endpoint first: what is timed is the page's way to its first chart, not wrangler's first request.
    await api("/api/v1/analytics/mrr", { months: "1" });
    const page = await signedOut(context);
    await page.fill("#api-key", KEY);
    const started = Date.now();
    await page.click("#sign-in button[type=submit]");
    await page.waitForFunction(() => lagoDashboard.chart("invoiced") !== undefined);
    // Printed, not asserted (speed is the benchmarks' business): the issue's goal is 1.5 s.
    console.log(`[dashboard] first chart drawn ${Date.now() - started} ms after the sign-in click`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const view of VIEW_NAMES) {
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.click(`#views button[data-view=${view}]`);
      await page.waitForSelector(`#${view} table`);
      await page.waitForFunction(NOT_BUSY);
      await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${view}-1440.png`), fullPage: true });
      for (const width of [375, 320]) {
        await page.setViewportSize({ width, height: 800 });
        await page.waitForFunction((w) => document.documentElement.scrollWidth <= w, width);
        expect(await page.evaluate(pageWidth), `${view} at ${width}`).toBeLessThanOrEqual(width);
        if (width === 375) await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${view}-375.png`), fullPage: true });
      }
      // Back to wide: the chart grows with its box again (Chart.js redraws to its container).
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.waitForFunction((v) => (document.querySelector(`#${v} canvas`) as unknown as { clientWidth: number }).clientWidth > 1000, view);
    }
    for (const view of VIEW_NAMES) {
      for (const width of [1440, 375]) expect(existsSync(join(SCREENSHOTS, `dashboard-${view}-${width}.png`))).toBe(true);
    }
    await context.close();
  }, 120_000);

  it("has no serious or critical axe-core violation, signed out or on any page signed in", async () => {
    const context = await dashboard.browser.newContext({ locale: "en-US" });
    const page = await signedOut(context);
    expect(await seriousViolations(page), "signed out").toEqual([]);
    await page.fill("#api-key", KEY);
    await page.click("#sign-in button[type=submit]");
    await page.waitForSelector("#invoiced table");
    for (const view of VIEW_NAMES) {
      await page.click(`#views button[data-view=${view}]`);
      await page.waitForSelector(`#${view} table`);
      await page.waitForFunction(NOT_BUSY);
      expect(await seriousViolations(page), view).toEqual([]);
    }
    await context.close();
  }, 120_000);

  it("is usable with the keyboard alone, focus visible", async () => {
    const context = await dashboard.browser.newContext({ locale: "en-US" });
    const page = await signedOut(context);
    // The key field has the focus; typing and Enter signs in.
    await page.keyboard.type(KEY);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#invoiced table");
    // Tab to the MRR button (the header comes first) and press it with Enter.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      if (await page.evaluate(() => (document.querySelector(":focus") as unknown as { dataset?: { view?: string } } | null)?.dataset?.view === "mrr")) break;
    }
    const outline = await page.evaluate(() => {
      const el = document.querySelector(":focus") as unknown as object;
      return (globalThis as unknown as { getComputedStyle(e: object): { outlineStyle: string; outlineWidth: string } }).getComputedStyle(el);
    });
    expect([outline.outlineStyle, outline.outlineWidth]).toEqual(["solid", "3px"]);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#mrr table");
    expect(await page.isVisible("#mrr")).toBe(true);
    await context.close();
  }, 60_000);

  it("says why usage is empty, and how to get past days from Lago", async () => {
    const context = await dashboard.browser.newContext({ locale: "en-US" });
    const page = await signedInAt(context, "view=usage&external_customer_id=nobody-at-all");
    await page.waitForSelector("#usage table");
    await page.waitForFunction(NOT_BUSY);
    const status = await page.textContent("#usage .status");
    const source = ((await organization()) as unknown as { organization: { usage_source: string } }).organization.usage_source;
    expect(status).toContain("daily_usages:fill_history");
    if (source === "none") expect(status).toContain("LAGO_API_URL");
    await context.close();
  }, 60_000);
});

