import { afterEach, describe, expect, it, vi } from "vitest";
import { cacheApp, cacheStatus, STATEMENTS_PER_QUERY } from "./helpers/cache-app.ts";
import { createBillingScenario, createInvoice } from "./helpers/factories.ts";
import { callWorker } from "./helpers/request.ts";
import { chargeUsage } from "../helpers/lago-usage.ts";
import { createUsageScenario } from "./helpers/usage-factories.ts";

// Lifetimes are wrangler.toml's unless a test says otherwise: invoiced_usage 600 s, usage 300 s,
// stale-while-revalidate 300 s. Tests that need time to pass freeze Date and move it by hand.
const INVOICED = "/api/v1/analytics/invoiced_usage";
const USAGE = "/api/v1/analytics/usage";
const march = (amount: number, currency = "USD") => ({
  month: "2025-03-01T00:00:00.000Z",
  code: "api_calls",
  currency,
  amount_cents: amount,
});

function freezeClock() {
  const start = Date.now();
  vi.useFakeTimers({ toFake: ["Date"], now: start });
  return (seconds: number) => vi.setSystemTime(start + seconds * 1000);
}

afterEach(() => vi.useRealTimers());

describe("cache: miss, then hit", () => {
  it("answers a repeated request from the cache, without any database query", async () => {
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    const app = cacheApp();
    const first = await app.get(INVOICED, { apiKey: s.org.apiKey });
    const afterMiss = await app.queries();
    const second = await app.get(INVOICED, { apiKey: s.org.apiKey });
    expect(afterMiss).toBeGreaterThan(0);
    expect(await app.queries()).toBe(afterMiss);
    expect(second.body).toEqual({ invoiced_usages: [march(1000)] });
    expect(second.text).toBe(first.text);
  });

  it("a miss says so, is stored, is fresh for the route's lifetime and reports the database time", async () => {
    const s = await createBillingScenario();
    const { response } = await cacheApp().get(INVOICED, { apiKey: s.org.apiKey });
    expect(cacheStatus(response)).toBe("fwd=miss; stored");
    expect(response.headers.get("Cache-Control")).toBe("private, max-age=600");
    expect(response.headers.get("Age")).toBe("0");
    expect(response.headers.get("ETag")).toMatch(/^"[0-9a-f]{32}"$/);
    expect(response.headers.get("Server-Timing")).toMatch(/(^|, )db;dur=\d+/);
  });

  it("a hit says how much freshness is left, and keeps the ETag", async () => {
    const advanceTo = freezeClock();
    const s = await createBillingScenario();
    const app = cacheApp();
    const first = await app.get(USAGE, { apiKey: s.org.apiKey });
    advanceTo(100);
    const { response } = await app.get(USAGE, { apiKey: s.org.apiKey });
    expect(cacheStatus(response)).toBe("hit; ttl=200");
    expect(response.headers.get("Cache-Control")).toBe("private, max-age=200");
    expect(response.headers.get("Age")).toBe("100");
    expect(response.headers.get("ETag")).toBe(first.response.headers.get("ETag"));
    expect(response.headers.get("Server-Timing")).not.toContain("db;");
  });

  it("the Worker as deployed takes each route's lifetime from wrangler.toml", async () => {
    const s = await createBillingScenario();
    const invoiced = await callWorker(INVOICED, { apiKey: s.org.apiKey });
    const usage = await callWorker(USAGE, { apiKey: s.org.apiKey });
    expect(invoiced.headers.get("Cache-Control")).toBe("private, max-age=600");
    expect(usage.headers.get("Cache-Control")).toBe("private, max-age=300");
  });
});

describe("cache: what makes two requests the same", () => {
  it("reordered and re-cased parameters share one entry", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-10", [chargeUsage(s.metric, "2", 300, "EUR")]);
    const app = cacheApp();
    const first = await app.get(`${USAGE}?currency=eur&time_granularity=monthly&from_date=2025-03-01&to_date=2025-03-31`, {
      apiKey: s.org.apiKey,
    });
    const queries = await app.queries();
    const second = await app.get(`${USAGE}?to_date=2025-03-31&from_date=2025-03-01&time_granularity=monthly&currency=EuR`, {
      apiKey: s.org.apiKey,
    });
    expect(cacheStatus(second.response)).toMatch(/^hit; /);
    expect(await app.queries()).toBe(queries);
    expect(second.text).toBe(first.text);
  });

  it("a default given explicitly is the same request as the default left out", async () => {
    const s = await createUsageScenario();
    const today = new Date().toISOString().slice(0, 10);
    const app = cacheApp();
    await app.get(USAGE, { apiKey: s.org.apiKey });
    const explicit = await app.get(`${USAGE}?time_granularity=daily&to_date=${today}`, { apiKey: s.org.apiKey });
    expect(cacheStatus(explicit.response)).toMatch(/^hit; /);
  });

  it("another filter value is another entry, with its own answer", async () => {
    const s = await createBillingScenario();
    const eurInvoice = await createInvoice(s.org.id, { billingEntityId: s.billingEntityId, currency: "EUR" });
    await s.fee(1000, "2025-03-10 08:00:00");
    await s.fee(300, "2025-03-11 08:00:00", { invoiceId: eurInvoice, currency: "EUR" });
    const app = cacheApp();
    await app.get(`${INVOICED}?currency=USD`, { apiKey: s.org.apiKey });
    const eur = await app.get(`${INVOICED}?currency=EUR`, { apiKey: s.org.apiKey });
    expect(cacheStatus(eur.response)).toBe("fwd=miss; stored");
    expect(eur.body).toEqual({ invoiced_usages: [march(300, "EUR")] });
  });

  it("another months window is another entry", async () => {
    const s = await createBillingScenario();
    const app = cacheApp();
    await app.get(`${INVOICED}?months=3`, { apiKey: s.org.apiKey });
    const other = await app.get(`${INVOICED}?months=4`, { apiKey: s.org.apiKey });
    expect(cacheStatus(other.response)).toBe("fwd=miss; stored");
  });
});

describe("cache: conditional and forced requests", () => {
  it("If-None-Match with the current ETag is a 304 without a body or a database query", async () => {
    const s = await createBillingScenario();
    const app = cacheApp();
    const first = await app.get(INVOICED, { apiKey: s.org.apiKey });
    const etag = first.response.headers.get("ETag") ?? "";
    const queries = await app.queries();
    const { response, text } = await app.get(INVOICED, { apiKey: s.org.apiKey, headers: { "If-None-Match": etag } });
    expect(response.status).toBe(304);
    expect(text).toBe("");
    expect(response.headers.get("ETag")).toBe(etag);
    expect(await app.queries()).toBe(queries);
  });

  it("If-None-Match with another ETag gets the whole 200", async () => {
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    const app = cacheApp();
    await app.get(INVOICED, { apiKey: s.org.apiKey });
    const { status, body } = await app.get(INVOICED, { apiKey: s.org.apiKey, headers: { "If-None-Match": '"0000"' } });
    expect(status).toBe(200);
    expect(body).toEqual({ invoiced_usages: [march(1000)] });
  });

  it("Cache-Control: no-cache skips the stored copy and refreshes it", async () => {
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    const app = cacheApp();
    await app.get(INVOICED, { apiKey: s.org.apiKey });
    await s.fee(500, "2025-03-11 08:00:00");
    const forced = await app.get(INVOICED, { apiKey: s.org.apiKey, headers: { "Cache-Control": "no-cache" } });
    const after = await app.get(INVOICED, { apiKey: s.org.apiKey });
    expect(cacheStatus(forced.response)).toBe("fwd=request; stored");
    expect(forced.body).toEqual({ invoiced_usages: [march(1500)] });
    expect(cacheStatus(after.response)).toMatch(/^hit; /);
    expect(after.body).toEqual({ invoiced_usages: [march(1500)] });
  });
});

describe("cache: past its lifetime", () => {
  it("serves the stale entry at once while one background refresh runs", async () => {
    const advanceTo = freezeClock();
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    const app = cacheApp();
    await app.get(INVOICED, { apiKey: s.org.apiKey });
    // What one load of this route costs, whatever the queries behind it are.
    const beforeLoad = await app.queries();
    await app.get(INVOICED, { apiKey: s.org.apiKey, headers: { "Cache-Control": "no-cache" } });
    const queries = await app.queries();
    const oneLoad = queries - beforeLoad;
    await s.fee(500, "2025-03-11 08:00:00");
    advanceTo(700); // 100 s past the 600 s lifetime, within the 300 s stale limit
    const [a, b] = await Promise.all([app.send(INVOICED, { apiKey: s.org.apiKey }), app.send(INVOICED, { apiKey: s.org.apiKey })]);
    for (const { response } of [a, b]) {
      expect(cacheStatus(response)).toBe("hit; ttl=-100; detail=stale-while-revalidate");
      expect(response.headers.get("Cache-Control")).toBe("private, max-age=0");
      expect(response.headers.get("Age")).toBe("700");
      expect(await response.json()).toEqual({ invoiced_usages: [march(1000)] });
    }
    await Promise.all([a.settled, b.settled]);
    expect(oneLoad).toBeGreaterThan(0);
    // One refresh, not two; and the key's lookup, 700 s old, is checked once again (both requests
    // share that one query).
    expect(await app.queries()).toBe(queries + oneLoad + STATEMENTS_PER_QUERY);
  });

  it("the next request gets what the background refresh stored", async () => {
    const advanceTo = freezeClock();
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    const app = cacheApp();
    await app.get(INVOICED, { apiKey: s.org.apiKey });
    await s.fee(500, "2025-03-11 08:00:00");
    advanceTo(700);
    await app.get(INVOICED, { apiKey: s.org.apiKey });
    const { response, body } = await app.get(INVOICED, { apiKey: s.org.apiKey });
    expect(cacheStatus(response)).toBe("hit; ttl=600");
    expect(body).toEqual({ invoiced_usages: [march(1500)] });
  });

  it("past the stale limit, the database is asked before answering", async () => {
    const advanceTo = freezeClock();
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    const app = cacheApp();
    await app.get(INVOICED, { apiKey: s.org.apiKey });
    await s.fee(500, "2025-03-11 08:00:00");
    advanceTo(901); // 600 s lifetime + 300 s stale limit, and a second
    const { response, body } = await app.get(INVOICED, { apiKey: s.org.apiKey });
    expect(cacheStatus(response)).toBe("fwd=stale; stored");
    expect(body).toEqual({ invoiced_usages: [march(1500)] });
  });
});
