import { afterEach, describe, expect, it, vi } from "vitest";
import { cacheApp } from "./helpers/cache-app.ts";
import { createBillingScenario } from "./helpers/factories.ts";

// A 10-minute database outage with a warm cache: every URL an organization asked before the outage
// keeps being answered 200 throughout (fresh copies, then stale-while-revalidate, then
// stale-if-error), however long the key lookups have been stored. Prints the share it measured.
const PATHS = [
  "/api/v1/analytics/invoiced_usage", "/api/v1/analytics/invoiced_usage?months=3", "/api/v1/analytics/invoiced_usage?timezone=Europe/Paris",
  "/api/v1/analytics/usage", "/api/v1/analytics/usage?time_granularity=monthly",
  "/api/v1/analytics/gross_revenue", "/api/v1/analytics/invoice_collection?currency=USD", "/api/v1/analytics/mrr",
  "/api/v1/analytics/overdue_balance", "/api/v1/analytics/invoiced_usage?format=csv",
];
const T0 = Date.now();

/** The status of one request, once its background work (cache writes, refreshes) is done. */
async function status(app: ReturnType<typeof cacheApp>, path: string, apiKey: string) {
  const { response, settled } = await app.send(path, { apiKey });
  await response.arrayBuffer();
  await settled;
  return response.status;
}

afterEach(() => vi.useRealTimers());

describe("a 10-minute outage with a warm cache", () => {
  it("answers every URL stored before it with a 200, every minute of it", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    const orgs = await Promise.all([createBillingScenario(), createBillingScenario(), createBillingScenario()]);
    for (const s of orgs) await s.fee(1000, "2025-03-10 08:00:00");
    const app = cacheApp();
    for (const s of orgs) for (const path of PATHS) expect(await status(app, path, s.org.apiKey)).toBe(200);
    await app.outage(true);
    let answered = 0;
    let asked = 0;
    try {
      for (let minute = 0; minute <= 10; minute++) {
        vi.setSystemTime(T0 + minute * 60_000);
        for (const s of orgs) {
          for (const path of PATHS) {
            asked++;
            if ((await status(app, path, s.org.apiKey)) === 200) answered++;
          }
        }
      }
    } finally {
      await app.outage(false);
    }
    console.log(`[outage] 10 minutes, ${orgs.length * PATHS.length} cached URLs asked every minute: ${answered} of ${asked} answered 200 (${((100 * answered) / asked).toFixed(1)}%)`);
    expect(answered).toBe(asked);
  });
});
