import { afterEach, describe, expect, it, vi } from "vitest";
import { apiKeyCacheKey, CACHE_NAME, sha256Hex } from "../../src/cache/key.ts";
import { cacheApp, cacheStatus, STATEMENTS_PER_QUERY } from "./helpers/cache-app.ts";
import { createApiKey, createBillingScenario, createOrganization } from "./helpers/factories.ts";
import { chargeUsage } from "../helpers/lago-usage.ts";
import { createUsageScenario } from "./helpers/usage-factories.ts";

const INVOICED = "/api/v1/analytics/invoiced_usage";
const USAGE = "/api/v1/analytics/usage";
const MARCH = `${USAGE}?from_date=2025-03-01&to_date=2025-03-31`;
const amounts = (body: unknown) => (body as { usages: { amount_cents: number }[] }).usages.map((u) => u.amount_cents);
const utcTimestamp = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace("Z", "");

afterEach(() => vi.useRealTimers());

describe("cache: organizations stay apart", () => {
  it("the same parameters for two organizations are two entries, each with its own data", async () => {
    const a = await createUsageScenario();
    const b = await createUsageScenario();
    await a.usage("2025-03-10", [chargeUsage(a.metric, "1", 111)]);
    await b.usage("2025-03-10", [chargeUsage(b.metric, "1", 222)]);
    const app = cacheApp();
    await app.get(MARCH, { apiKey: a.org.apiKey });
    const bFirst = await app.get(MARCH, { apiKey: b.org.apiKey });
    const [aAgain, bAgain] = [await app.get(MARCH, { apiKey: a.org.apiKey }), await app.get(MARCH, { apiKey: b.org.apiKey })];
    expect(cacheStatus(bFirst.response)).toBe("fwd=miss; stored");
    expect(amounts(bFirst.body)).toEqual([222]);
    expect(cacheStatus(aAgain.response)).toMatch(/^hit; /);
    expect(amounts(aAgain.body)).toEqual([111]);
    expect(cacheStatus(bAgain.response)).toMatch(/^hit; /);
    expect(amounts(bAgain.body)).toEqual([222]);
  });

  it("another organization's ETag gets this organization's own 200, never a 304", async () => {
    const a = await createUsageScenario();
    const b = await createUsageScenario();
    // The same usage: the bodies differ only by organization_id.
    await a.usage("2025-03-10", [chargeUsage(a.metric, "1", 100)]);
    await b.usage("2025-03-10", [chargeUsage(b.metric, "1", 100)]);
    const app = cacheApp();
    const theirs = await app.get(MARCH, { apiKey: a.org.apiKey });
    const etag = theirs.response.headers.get("ETag") ?? "";
    const mine = await app.get(MARCH, { apiKey: b.org.apiKey, headers: { "If-None-Match": etag } });
    expect(mine.status).toBe(200);
    expect((mine.body as { usages: { organization_id: string }[] }).usages[0]?.organization_id).toBe(b.org.id);
  });

  it("two keys of one organization share its entries", async () => {
    const s = await createBillingScenario();
    const secondKey = await createApiKey(s.org.id);
    const app = cacheApp();
    await app.get(INVOICED, { apiKey: s.org.apiKey });
    const other = await app.get(INVOICED, { apiKey: secondKey });
    expect(cacheStatus(other.response)).toMatch(/^hit; /);
  });

  it("the region is part of the key: one region never serves another's entry", async () => {
    const s = await createBillingScenario();
    await cacheApp({ REGION: "us" }).get(INVOICED, { apiKey: s.org.apiKey });
    const eu = await cacheApp({ REGION: "eu" }).get(INVOICED, { apiKey: s.org.apiKey });
    expect(cacheStatus(eu.response)).toBe("fwd=miss; stored");
  });
});

describe("cache: API keys", () => {
  it("a key lookup is stored under the key's SHA-256 and holds only the organization, its time zone and the expiry", async () => {
    const org = await createOrganization();
    await cacheApp().get(INVOICED, { apiKey: org.apiKey });
    const cache = await caches.open(CACHE_NAME);
    const stored = await cache.match(apiKeyCacheKey("local", await sha256Hex(org.apiKey)));
    const text = (await stored?.text()) ?? "";
    // The factory's organizations keep the development schema's default time zone, an empty string.
    expect(JSON.parse(text)).toEqual({ organization_id: org.id, organization_time_zone: "", expires_at: null, stored_at: expect.any(Number) });
    expect(text).not.toContain(org.apiKey);
  });

  it("an expired key is rejected even though its lookup is cached, without asking the database", async () => {
    const org = await createOrganization();
    const expiresAt = Date.now() + 3_600_000;
    const key = await createApiKey(org.id, { expiresAt: utcTimestamp(expiresAt) });
    const app = cacheApp();
    expect((await app.get(INVOICED, { apiKey: key })).status).toBe(200);
    const queries = await app.queries();
    // The database would still accept the key (its clock is real); only the cached expires_at can refuse it.
    vi.useFakeTimers({ toFake: ["Date"], now: expiresAt + 1000 });
    const { response, body } = await app.get(INVOICED, { apiKey: key });
    expect(response.status).toBe(401);
    expect(body).toEqual({ status: 401, error: "Unauthorized" });
    expect(await app.queries()).toBe(queries);
  });

  it("a cached lookup is used: a second request does not look the key up again", async () => {
    const org = await createOrganization();
    const app = cacheApp();
    await app.get(INVOICED, { apiKey: org.apiKey });
    const queries = await app.queries();
    // Another route and parameters: a response-cache miss, so only the key lookup could be saved.
    await app.get(`${USAGE}?currency=usd`, { apiKey: org.apiKey });
    const withKeyCached = (await app.queries()) - queries;
    // The same kind of miss with the key cache switched off costs one query more: the lookup.
    const uncached = cacheApp({ CACHE_API_KEY_TTL: "0" });
    await uncached.get(`${USAGE}?currency=eur`, { apiKey: org.apiKey });
    expect(withKeyCached).toBe((await uncached.queries()) - STATEMENTS_PER_QUERY);
  });
});
