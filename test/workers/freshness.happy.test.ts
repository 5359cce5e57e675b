import { afterEach, describe, expect, it, vi } from "vitest";
import { cacheApp, cacheStatus } from "./helpers/cache-app.ts";
import { createBillingScenario } from "./helpers/factories.ts";
import { chargeUsage } from "../helpers/lago-usage.ts";
import { createUsageScenario } from "./helpers/usage-factories.ts";

// Last-Modified says how old the numbers are: on the direct path, when Lago's tables were read; a
// cached copy keeps that time (its Age says how old the copy is). The rollup path is checked through
// wrangler dev in test/e2e/freshness.test.ts.
const INVOICED = "/api/v1/analytics/invoiced_usage";
const USAGE = "/api/v1/analytics/usage?from_date=2025-03-01&to_date=2025-03-31";
const T0 = Date.parse("2026-11-02T09:30:15.250Z");
const AT_T0 = "Mon, 02 Nov 2026 09:30:15 GMT";

function freezeClock() {
  vi.useFakeTimers({ toFake: ["Date"], now: T0 });
  return (seconds: number) => vi.setSystemTime(T0 + seconds * 1000);
}
afterEach(() => vi.useRealTimers());

describe.each([INVOICED, USAGE])("Last-Modified on %s", (path) => {
  async function scenario() {
    if (path === INVOICED) {
      const s = await createBillingScenario();
      await s.fee(1000, "2025-03-10 08:00:00");
      return s.org.apiKey;
    }
    const s = await createUsageScenario();
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100)]);
    return s.org.apiKey;
  }

  it("is the time Lago's tables were read, and a cached copy keeps it", async () => {
    const advanceTo = freezeClock();
    const apiKey = await scenario();
    const app = cacheApp();
    const miss = await app.get(path, { apiKey });
    expect(miss.response.headers.get("Last-Modified")).toBe(AT_T0);
    advanceTo(100);
    const hit = await app.get(path, { apiKey });
    expect(cacheStatus(hit.response)).toMatch(/^hit; /);
    expect(hit.response.headers.get("Age")).toBe("100");
    expect(hit.response.headers.get("Last-Modified")).toBe(AT_T0);
  });

  it("a refreshed answer carries the time of the new read", async () => {
    const advanceTo = freezeClock();
    const apiKey = await scenario();
    const app = cacheApp();
    await app.get(path, { apiKey });
    advanceTo(42);
    const refreshed = await app.get(path, { apiKey, headers: { "Cache-Control": "no-cache" } });
    expect(refreshed.response.headers.get("Last-Modified")).toBe("Mon, 02 Nov 2026 09:30:57 GMT");
  });

  it("If-Modified-Since at or after it answers 304; before it, 200", async () => {
    freezeClock();
    const apiKey = await scenario();
    const app = cacheApp();
    await app.get(path, { apiKey });
    const same = await app.get(path, { apiKey, headers: { "If-Modified-Since": AT_T0 } });
    expect(same.status).toBe(304);
    expect(same.text).toBe("");
    expect(same.response.headers.get("Last-Modified")).toBe(AT_T0);
    const later = await app.get(path, { apiKey, headers: { "If-Modified-Since": "Mon, 02 Nov 2026 10:00:00 GMT" } });
    expect(later.status).toBe(304);
    const earlier = await app.get(path, { apiKey, headers: { "If-Modified-Since": "Mon, 02 Nov 2026 09:30:14 GMT" } });
    expect(earlier.status).toBe(200);
    const garbage = await app.get(path, { apiKey, headers: { "If-Modified-Since": "yesterday" } });
    expect(garbage.status).toBe(200);
  });

  it("If-None-Match decides when both are sent (RFC 9110)", async () => {
    freezeClock();
    const apiKey = await scenario();
    const app = cacheApp();
    await app.get(path, { apiKey });
    const other = await app.get(path, { apiKey, headers: { "If-None-Match": '"0000"', "If-Modified-Since": AT_T0 } });
    expect(other.status).toBe(200);
  });

  it("a stale-if-error copy keeps the time of its data", async () => {
    const advanceTo = freezeClock();
    const apiKey = await scenario();
    const app = cacheApp({ CACHE_STALE_WHILE_REVALIDATE: "0" });
    await app.get(path, { apiKey });
    advanceTo(3600);
    await app.outage(true);
    try {
      const served = await app.get(path, { apiKey });
      expect(cacheStatus(served.response)).toMatch(/detail=stale-if-error$/);
      expect(served.response.headers.get("Last-Modified")).toBe(AT_T0);
    } finally {
      await app.outage(false);
    }
  });
});
