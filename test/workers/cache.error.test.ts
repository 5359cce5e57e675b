import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UNKNOWN_KEY_SECONDS } from "../../src/cache/api-key-cache.ts";
import { apiKeys, billingEntities } from "../../src/db/schema/index.ts";
import { cacheApp, cacheStatus } from "./helpers/cache-app.ts";
import { testDb } from "./helpers/db.ts";
import { createBillingEntity, createBillingScenario, createInvoice } from "./helpers/factories.ts";

// Lifetimes are wrangler.toml's: invoiced_usage 600 s, stale-while-revalidate 300 s,
// stale-if-error 86400 s. Outages are per test (cacheApp's own database name), never global.
const INVOICED = "/api/v1/analytics/invoiced_usage";
const march = (amount: number) => ({ month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: amount });

let warnings: string[];
beforeEach(() => {
  warnings = [];
  vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function freezeClock() {
  const start = Date.now();
  vi.useFakeTimers({ toFake: ["Date"], now: start });
  return (seconds: number) => vi.setSystemTime(start + seconds * 1000);
}

/** A scenario with one cached answer (1000 in March), in an app whose database can be cut. */
async function cachedScenario() {
  const s = await createBillingScenario();
  await s.fee(1000, "2025-03-10 08:00:00");
  const app = cacheApp();
  await app.get(INVOICED, { apiKey: s.org.apiKey });
  return { s, app };
}

describe("cache: stale-if-error", () => {
  it("past the stale limit and with the database down, serves the stale entry and says why", async () => {
    const advanceTo = freezeClock();
    const { s, app } = await cachedScenario();
    await app.outage(true);
    advanceTo(910); // 600 s lifetime + 300 s stale-while-revalidate, and 10 s
    const { response, body } = await app.get(INVOICED, { apiKey: s.org.apiKey });
    await app.outage(false);
    expect(response.status).toBe(200);
    expect(body).toEqual({ invoiced_usages: [march(1000)] });
    expect(cacheStatus(response)).toBe("fwd=stale; fwd-status=503; ttl=-310; detail=stale-if-error");
    expect(response.headers.get("Cache-Control")).toBe("private, max-age=0");
    expect(response.headers.get("Age")).toBe("910");
  });

  it("a no-cache request while the database is down gets the stored copy, marked as such", async () => {
    const { s, app } = await cachedScenario();
    await app.outage(true);
    const { response, body } = await app.get(INVOICED, { apiKey: s.org.apiKey, headers: { "Cache-Control": "no-cache" } });
    await app.outage(false);
    expect(body).toEqual({ invoiced_usages: [march(1000)] });
    expect(cacheStatus(response)).toMatch(/^fwd=request; fwd-status=503; ttl=\d+; detail=stale-if-error$/);
  });

  it("logs the failure it hid, without the key", async () => {
    const { s, app } = await cachedScenario();
    await app.outage(true);
    await app.get(INVOICED, { apiKey: s.org.apiKey, headers: { "Cache-Control": "no-cache" } });
    await app.outage(false);
    expect(warnings.join("\n")).toContain("served stale");
    expect(warnings.join("\n")).not.toContain(s.org.apiKey);
  });

  it("past the stale-if-error limit, a database failure is the usual 503", async () => {
    const advanceTo = freezeClock();
    const { s, app } = await cachedScenario();
    await app.outage(true);
    advanceTo(600 + 86_400 + 1);
    const { response, body } = await app.get(INVOICED, { apiKey: s.org.apiKey });
    await app.outage(false);
    expect(response.status).toBe(503);
    expect(body).toEqual({ status: 503, error: "Service Unavailable", request_id: expect.any(String) });
    expect(response.headers.get("Retry-After")).toBe("5");
  });

  it("a failed background refresh keeps serving the stale entry", async () => {
    const advanceTo = freezeClock();
    const { s, app } = await cachedScenario();
    await app.outage(true);
    advanceTo(700);
    await app.get(INVOICED, { apiKey: s.org.apiKey });
    const { response, body } = await app.get(INVOICED, { apiKey: s.org.apiKey });
    await app.outage(false);
    expect(cacheStatus(response)).toBe("hit; ttl=-100; detail=stale-while-revalidate");
    expect(body).toEqual({ invoiced_usages: [march(1000)] });
  });
});

describe("cache: errors are never stored", () => {
  it("a 503 on a miss is not stored: the next request asks the database again", async () => {
    const { s, app } = await cachedScenario(); // caches the key lookup
    await app.outage(true);
    const failed = await app.get(`${INVOICED}?months=2`, { apiKey: s.org.apiKey });
    await app.outage(false);
    const next = await app.get(`${INVOICED}?months=2`, { apiKey: s.org.apiKey });
    expect(failed.status).toBe(503);
    expect(failed.response.headers.get("Cache-Status")).toBeNull();
    expect(cacheStatus(next.response)).toBe("fwd=miss; stored");
  });

  it("a 404 is not stored: once the billing entity exists, it is found", async () => {
    const s = await createBillingScenario();
    const app = cacheApp();
    const missing = await app.get(`${INVOICED}?billing_entity_code=later`, { apiKey: s.org.apiKey });
    await createBillingEntity(s.org.id, { code: "later" });
    const found = await app.get(`${INVOICED}?billing_entity_code=later`, { apiKey: s.org.apiKey });
    expect(missing.body).toEqual({ status: 404, error: "Not Found", code: "billing_entity_not_found" });
    expect(missing.response.headers.get("Cache-Status")).toBeNull();
    expect(found.status).toBe(200);
  });

  it("a 422 carries none of the cache's headers", async () => {
    const s = await createBillingScenario();
    const { response, body } = await cacheApp().get(`${INVOICED}?months=0`, { apiKey: s.org.apiKey });
    expect(body).toEqual({ status: 422, error: "Unprocessable Entity", code: "validation_errors", error_details: { months: ["value_is_invalid"] } });
    for (const name of ["Cache-Status", "ETag", "Age"]) expect(response.headers.get(name)).toBeNull();
  });

  it("a 401 is not stored as an answer: a key that did not exist works within seconds of its creation", async () => {
    const advanceTo = freezeClock();
    const s = await createBillingScenario();
    const key = crypto.randomUUID();
    const app = cacheApp();
    const before = await app.get(INVOICED, { apiKey: key });
    await testDb.insert(apiKeys).values({ organizationId: s.org.id, value: key });
    advanceTo(UNKNOWN_KEY_SECONDS); // "no such key" is remembered this long (a bad-key flood's shield)
    const after = await app.get(INVOICED, { apiKey: key });
    expect(before.status).toBe(401);
    expect(after.status).toBe(200);
  });

  it("an entry whose billing entity was deleted is dropped by its refresh, not served on", async () => {
    const advanceTo = freezeClock();
    const s = await createBillingScenario();
    const entity = await createBillingEntity(s.org.id, { code: "eu" });
    const invoiceId = await createInvoice(s.org.id, { billingEntityId: entity });
    await s.fee(1000, "2025-03-10 08:00:00", { invoiceId, billingEntityId: entity });
    const app = cacheApp();
    await app.get(`${INVOICED}?billing_entity_code=eu`, { apiKey: s.org.apiKey });
    await testDb.update(billingEntities).set({ deletedAt: "2025-06-01 00:00:00" }).where(eq(billingEntities.id, entity));
    advanceTo(700);
    const stale = await app.get(`${INVOICED}?billing_entity_code=eu`, { apiKey: s.org.apiKey });
    const next = await app.get(`${INVOICED}?billing_entity_code=eu`, { apiKey: s.org.apiKey });
    expect(stale.body).toEqual({ invoiced_usages: [march(1000)] });
    expect(next.body).toEqual({ status: 404, error: "Not Found", code: "billing_entity_not_found" });
  });
});

describe("cache: configuration", () => {
  it.each([
    ["CACHE_TTL_USAGE", "-5"],
    ["CACHE_TTL_INVOICED_USAGE", "ten minutes"],
    ["CACHE_API_KEY_TTL", "120"], // a key lookup may never be reused for more than 60 s
  ])("%s=%j is a JSON 500 naming the setting", async (name, value) => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    const { response } = await cacheApp({ [name]: value }).get(INVOICED, { apiKey: "any" });
    expect(response.status).toBe(500);
    expect(errors.join("\n")).toContain(name);
  });
});
