import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cacheApp, cacheStatus } from "./helpers/cache-app.ts";
import { createBillingScenario } from "./helpers/factories.ts";

// Per-organization rate limiting with Cloudflare's binding, simulated by Miniflare. The app gets
// RATE_LIMITER_TIGHT (vitest.config.ts: 3 requests per 60 s) in place of wrangler.toml's generous
// one. Only requests that go to the database count; cache hits are free (docs/operations.md, "Rate limiting").
const LIMIT = 3;
const TIGHT = (env as unknown as { RATE_LIMITER_TIGHT: RateLimit }).RATE_LIMITER_TIGHT;
const INVOICED = "/api/v1/analytics/invoiced_usage";
const POLICY = `"organization";q=${LIMIT};w=60`;

afterEach(() => vi.restoreAllMocks());

const limitedApp = () => cacheApp({ RATE_LIMITER: TIGHT, RATE_LIMIT_REQUESTS: String(LIMIT), RATE_LIMIT_PERIOD: "60" });

/**
 * The simulated limiter counts in windows aligned to the wall clock's minutes. A check that
 * straddles a minute boundary would see its counts reset halfway, so it is run again (with a fresh
 * organization: the scenario is built inside) rather than allowed to flake.
 */
async function inOneWindow(check: () => Promise<void>) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const minute = Math.floor(Date.now() / 60_000);
    try {
      await check();
      return;
    } catch (err) {
      if (Math.floor(Date.now() / 60_000) === minute) throw err;
    }
  }
  throw new Error("three attempts straddled a minute boundary");
}

describe("rate limiting", () => {
  it("past the limit, a request for the database is a JSON 429 with Retry-After and RateLimit headers", () =>
    inOneWindow(async () => {
      const s = await createBillingScenario();
      const app = limitedApp();
      for (let months = 1; months <= LIMIT; months++) {
        const ok = await app.get(`${INVOICED}?months=${months}`, { apiKey: s.org.apiKey });
        expect(ok.status).toBe(200);
        expect(ok.response.headers.get("RateLimit-Policy")).toBe(POLICY);
      }
      const { response, body } = await app.get(`${INVOICED}?months=${LIMIT + 1}`, { apiKey: s.org.apiKey });
      expect(response.status).toBe(429);
      expect(body).toEqual({ status: 429, error: "Too Many Requests" });
      expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
      expect(response.headers.get("Retry-After")).toBe("60");
      expect(response.headers.get("RateLimit")).toBe('"organization";r=0;t=60');
      expect(response.headers.get("RateLimit-Policy")).toBe(POLICY);
      expect(response.headers.get("Cache-Status")).toBeNull(); // refused before the database, never stored
    }));

  it("cache hits are not counted: a stored answer is served before, during and after the limit", () =>
    inOneWindow(async () => {
      const s = await createBillingScenario();
      const app = limitedApp();
      const url = `${INVOICED}?months=1`;
      await app.get(url, { apiKey: s.org.apiKey }); // 1 counted (miss)
      for (let i = 0; i < 2 * LIMIT; i++) {
        const hit = await app.get(url, { apiKey: s.org.apiKey });
        expect(hit.status).toBe(200);
        expect(cacheStatus(hit.response)).toMatch(/^hit; /);
      }
      for (let months = 2; months <= LIMIT; months++) expect((await app.get(`${INVOICED}?months=${months}`, { apiKey: s.org.apiKey })).status).toBe(200);
      expect((await app.get(`${INVOICED}?months=${LIMIT + 1}`, { apiKey: s.org.apiKey })).status).toBe(429);
      const stillServed = await app.get(url, { apiKey: s.org.apiKey });
      expect(stillServed.status).toBe(200);
      expect(cacheStatus(stillServed.response)).toMatch(/^hit; /);
    }));

  it("no-cache requests count: they go to the database", () =>
    inOneWindow(async () => {
      const s = await createBillingScenario();
      const app = limitedApp();
      const noCache = { apiKey: s.org.apiKey, headers: { "Cache-Control": "no-cache" } };
      for (let i = 0; i < LIMIT; i++) expect((await app.get(INVOICED, noCache)).status).toBe(200);
      expect((await app.get(INVOICED, noCache)).status).toBe(429);
    }));

  it("is per organization: one organization at its limit does not slow another down", () =>
    inOneWindow(async () => {
      const busy = await createBillingScenario();
      const quiet = await createBillingScenario();
      const app = limitedApp();
      for (let i = 0; i <= LIMIT; i++) await app.get(`${INVOICED}?months=${i + 1}`, { apiKey: busy.org.apiKey });
      expect((await app.get(`${INVOICED}?months=9`, { apiKey: busy.org.apiKey })).status).toBe(429);
      expect((await app.get(`${INVOICED}?months=9`, { apiKey: quiet.org.apiKey })).status).toBe(200);
    }));

  it("a limiter that fails lets the request through, and says so in the log", async () => {
    const warnings: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
    const broken = { limit: async () => Promise.reject(new Error("limiter unreachable")) };
    const s = await createBillingScenario();
    const { status } = await cacheApp({ RATE_LIMITER: broken }).get(INVOICED, { apiKey: s.org.apiKey });
    expect(status).toBe(200);
    expect(warnings.join("\n")).toContain("rate limiter failed");
  });

  it("the Worker's own limiter (wrangler.toml) is generous locally: no test or load run reaches it", async () => {
    const s = await createBillingScenario();
    const { response } = await cacheApp().get(INVOICED, { apiKey: s.org.apiKey });
    expect(response.headers.get("RateLimit-Policy")).toBe('"organization";q=100000;w=60');
  });
});
