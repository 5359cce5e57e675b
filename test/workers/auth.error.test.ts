import { eq } from "drizzle-orm";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decide, UNKNOWN_KEY_SECONDS } from "../../src/cache/api-key-cache.ts";
import { apiKeys } from "../../src/db/schema/index.ts";
import { cacheApp, cacheStatus } from "./helpers/cache-app.ts";
import { testDb } from "./helpers/db.ts";
import { createApiKey, createBillingScenario, createOrganization } from "./helpers/factories.ts";

// Authentication through a database outage: a key whose lookup is stored keeps authenticating for
// the stale-if-error window (so stored answers keep being served), a key never seen is a 503, and an
// expiry is honoured whatever the database does. Lifetimes: key lookups 60 s, invoiced_usage 600 s.
const INVOICED = "/api/v1/analytics/invoiced_usage";
// Fake time starts at the real time: the database compares expires_at with its own clock.
const T0 = Date.now();
const at = (seconds: number) => vi.setSystemTime(T0 + seconds * 1000);
const utc = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace("Z", "");

afterEach(() => vi.useRealTimers());

describe("an outage longer than the key lookup's lifetime", () => {
  it("keeps answering from the stored answers: fresh ones at 2 minutes, stale-if-error ones at an hour", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    const app = cacheApp();
    expect((await app.get(INVOICED, { apiKey: s.org.apiKey })).status).toBe(200);
    await app.outage(true);
    try {
      at(120); // the lookup is 2 minutes old (stale), the answer 2 minutes (fresh)
      const fresh = await app.get(INVOICED, { apiKey: s.org.apiKey });
      expect(fresh.status).toBe(200);
      expect(cacheStatus(fresh.response)).toMatch(/^hit; /);
      at(3600); // both an hour old: the answer is past stale-while-revalidate
      const stale = await app.get(INVOICED, { apiKey: s.org.apiKey });
      expect(stale.status).toBe(200);
      expect(cacheStatus(stale.response)).toMatch(/detail=stale-if-error$/);
      expect(stale.body).toEqual({ invoiced_usages: [{ month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 1000 }] });
    } finally {
      await app.outage(false);
    }
  });

  it("a key never seen is a 503, not a 401", async () => {
    const app = cacheApp();
    await app.outage(true);
    try {
      const { status, body } = await app.get(INVOICED, { apiKey: crypto.randomUUID() });
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: 503, error: "Service Unavailable" });
    } finally {
      await app.outage(false);
    }
  });

  it("a stored key past its expires_at is a 401 even while the database is down", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    const org = await createOrganization();
    const key = await createApiKey(org.id, { expiresAt: utc(T0 + 600_000) });
    const app = cacheApp();
    expect((await app.get(INVOICED, { apiKey: key })).status).toBe(200);
    await app.outage(true);
    try {
      at(601);
      expect((await app.get(INVOICED, { apiKey: key })).status).toBe(401);
    } finally {
      await app.outage(false);
    }
  });

  it("past the stale-if-error window a stored key no longer authenticates: the outage is a 503", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    const s = await createBillingScenario();
    const app = cacheApp({ CACHE_STALE_IF_ERROR: "600" });
    await app.get(INVOICED, { apiKey: s.org.apiKey });
    await app.outage(true);
    try {
      at(60 + 600 + 1);
      expect((await app.get(INVOICED, { apiKey: s.org.apiKey })).status).toBe(503);
    } finally {
      await app.outage(false);
    }
  });
});

describe("while the database is up", () => {
  it("a key deleted in Lago stops working once its lookup is stale (60 s)", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    const org = await createOrganization();
    const app = cacheApp();
    expect((await app.get(INVOICED, { apiKey: org.apiKey })).status).toBe(200);
    await testDb.delete(apiKeys).where(eq(apiKeys.value, org.apiKey));
    at(30);
    expect((await app.get(INVOICED, { apiKey: org.apiKey })).status).toBe(200);
    at(61);
    expect((await app.get(INVOICED, { apiKey: org.apiKey })).status).toBe(401);
  });

  it(`a key created in Lago works within ${UNKNOWN_KEY_SECONDS} s of a failed attempt with it`, async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    const org = await createOrganization();
    const key = crypto.randomUUID();
    const app = cacheApp();
    expect((await app.get(INVOICED, { apiKey: key })).status).toBe(401);
    await testDb.insert(apiKeys).values({ organizationId: org.id, value: key });
    expect((await app.get(INVOICED, { apiKey: key })).status).toBe(401); // remembered as unknown
    at(UNKNOWN_KEY_SECONDS);
    expect((await app.get(INVOICED, { apiKey: key })).status).toBe(200);
  });
});

describe("the lookup decision", () => {
  const live = { organization_id: "o", organization_time_zone: "UTC", expires_at: null, stored_at: 0 };
  it.each([
    [undefined, 0, "miss"],
    [live, 59_999, "fresh"],
    [live, 60_000, "stale"],
    [{ ...live, expires_at: 1000 }, 1000, "expired"],
    [{ unknown: true as const, stored_at: 0 }, UNKNOWN_KEY_SECONDS * 1000 - 1, "unknown"],
    [{ unknown: true as const, stored_at: 0 }, UNKNOWN_KEY_SECONDS * 1000, "miss"],
  ])("%j at %i ms is %s", (entry, now, decision) => {
    expect(decide(entry, now, 60)).toBe(decision);
  });
});

describe("failed authentication per client address", () => {
  const tight = (env as unknown as { AUTH_RATE_LIMITER_TIGHT: RateLimit }).AUTH_RATE_LIMITER_TIGHT;

  it("past the limit, a client guessing keys gets 429s; other clients and valid keys are untouched", async () => {
    const s = await createBillingScenario();
    const app = cacheApp({ AUTH_RATE_LIMITER: tight });
    const address = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const guess = (ip: string) => app.get(INVOICED, { apiKey: crypto.randomUUID(), headers: { "CF-Connecting-IP": ip } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await guess(address)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const refused = await guess(address);
    expect(refused.body).toEqual({ status: 429, error: "Too Many Requests" });
    expect(refused.response.headers.get("Retry-After")).toBe("60");
    expect((await guess("203.0.113.7")).status).toBe(401);
    const valid = await app.get(INVOICED, { apiKey: s.org.apiKey, headers: { "CF-Connecting-IP": address } });
    expect(valid.status).toBe(200);
  });
});
