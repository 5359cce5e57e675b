import { describe, expect, it } from "vitest";
import { cacheApp } from "./helpers/cache-app.ts";
import { createBillingScenario } from "./helpers/factories.ts";

// A flood of requests with one unknown key must not become a flood of lookups in api_keys.
const INVOICED = "/api/v1/analytics/invoiced_usage";

describe("a bad-key flood", () => {
  it("2,000 requests with one unknown key reach the database at most 20 times; valid requests keep their answers", async () => {
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    const flood = cacheApp();
    const bystander = cacheApp();
    const badKey = crypto.randomUUID();
    let unauthorized = 0;
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => flood.get(INVOICED, { apiKey: badKey })));
      for (const a of answers) {
        expect(a.body).toEqual({ status: 401, error: "Unauthorized" });
        unauthorized++;
      }
      if (batch % 5 === 0) {
        const valid = await bystander.get(INVOICED, { apiKey: s.org.apiKey });
        expect(valid.status).toBe(200);
        expect(valid.body).toEqual({ invoiced_usages: [{ month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 1000 }] });
      }
    }
    expect(unauthorized).toBe(2000);
    const lookups = await flood.queries();
    console.log(`[bad-key flood] 2000 requests, ${lookups} database statements`);
    expect(lookups).toBeLessThanOrEqual(20);
    expect(lookups).toBeGreaterThan(0);
  }, 120_000);
});
