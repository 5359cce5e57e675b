import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { organizations } from "../../src/db/schema/index.ts";
import { testDb } from "./helpers/db.ts";
import { createBillingScenario } from "./helpers/factories.ts";
import { getJson } from "./helpers/request.ts";

// timezone=: a fee's month is its calendar month in that zone. Each case puts one fee a microsecond
// before local midnight on the 1st and one at midnight exactly (both written in UTC, as Lago stores
// them), and expects them in two months, each given as its first instant with the zone's offset.
const PATH = "/api/v1/analytics/invoiced_usage";

async function months(apiKey: string, query: string) {
  const { status, body } = await getJson(`${PATH}?${query}`, { apiKey });
  expect(status).toBe(200);
  return (body.invoiced_usages as { month: string; amount_cents: number }[]).map((r) => [r.month, r.amount_cents]);
}

afterEach(() => vi.useRealTimers());

describe.each([
  // zone, last microsecond of the earlier month and local midnight, in UTC; the two months as answered
  ["Europe/Paris", "2025-03-31 21:59:59.999999", "2025-03-31 22:00:00", "2025-04-01T00:00:00.000+02:00", "2025-03-01T00:00:00.000+01:00"],
  ["Europe/Paris", "2025-10-31 22:59:59.999999", "2025-10-31 23:00:00", "2025-11-01T00:00:00.000+01:00", "2025-10-01T00:00:00.000+02:00"],
  ["Asia/Kolkata", "2025-06-30 18:29:59.999999", "2025-06-30 18:30:00", "2025-07-01T00:00:00.000+05:30", "2025-06-01T00:00:00.000+05:30"],
  ["America/St_Johns", "2025-07-01 02:29:59.999999", "2025-07-01 02:30:00", "2025-07-01T00:00:00.000-02:30", "2025-06-01T00:00:00.000-02:30"],
  ["America/St_Johns", "2025-01-01 03:29:59.999999", "2025-01-01 03:30:00", "2025-01-01T00:00:00.000-03:30", "2024-12-01T00:00:00.000-03:30"],
  ["Pacific/Chatham", "2025-06-30 11:14:59.999999", "2025-06-30 11:15:00", "2025-07-01T00:00:00.000+12:45", "2025-06-01T00:00:00.000+12:45"],
  ["Pacific/Chatham", "2024-12-31 10:14:59.999999", "2024-12-31 10:15:00", "2025-01-01T00:00:00.000+13:45", "2024-12-01T00:00:00.000+13:45"],
])("timezone=%s: %s and %s UTC", (zone, before, midnight, laterMonth, earlierMonth) => {
  it("fall in the two months either side of local midnight", async () => {
    const s = await createBillingScenario();
    await s.fee(100, before);
    await s.fee(2000, midnight);
    expect(await months(s.org.apiKey, `timezone=${zone}`)).toEqual([[laterMonth, 2000], [earlierMonth, 100]]);
  });
});

describe("timezone", () => {
  it("UTC, given or not, is the same answer byte for byte, months ending in Z", async () => {
    const s = await createBillingScenario();
    await s.fee(100, "2025-03-31 23:59:59.999999");
    await s.fee(2000, "2025-04-01 00:00:00");
    const plain = await getJson(PATH, { apiKey: s.org.apiKey });
    const utc = await getJson(`${PATH}?timezone=UTC`, { apiKey: s.org.apiKey });
    expect(JSON.stringify(utc.body)).toBe(JSON.stringify(plain.body));
    expect(await months(s.org.apiKey, "timezone=UTC")).toEqual([["2025-04-01T00:00:00.000Z", 2000], ["2025-03-01T00:00:00.000Z", 100]]);
  });

  it("organization: the organization's own timezone from Lago", async () => {
    const s = await createBillingScenario();
    await testDb.update(organizations).set({ timezone: "Asia/Kolkata" }).where(eq(organizations.id, s.org.id));
    await s.fee(100, "2025-06-30 18:29:59.999999");
    await s.fee(2000, "2025-06-30 18:30:00");
    expect(await months(s.org.apiKey, "timezone=organization")).toEqual([
      ["2025-07-01T00:00:00.000+05:30", 2000], ["2025-06-01T00:00:00.000+05:30", 100],
    ]);
  });

  it("any letter case names the same zone", async () => {
    const s = await createBillingScenario();
    await s.fee(2000, "2025-06-30 18:30:00");
    expect(await months(s.org.apiKey, "timezone=asia/kolkata")).toEqual([["2025-07-01T00:00:00.000+05:30", 2000]]);
  });

  it("months counts months in the zone: at 00:30 on 1 April in Paris, months=1 is April there, still March in UTC", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.parse("2025-03-31T22:30:00Z") });
    const s = await createBillingScenario();
    await s.fee(100, "2025-03-31 21:59:59.999999");
    await s.fee(2000, "2025-03-31 22:00:00");
    expect(await months(s.org.apiKey, "timezone=Europe/Paris&months=1")).toEqual([["2025-04-01T00:00:00.000+02:00", 2000]]);
    expect(await months(s.org.apiKey, "months=1")).toEqual([["2025-03-01T00:00:00.000Z", 2100]]);
  });

  it("without months, counts from the organization's creation month in the zone", async () => {
    // Created 2020-01-15 10:00 UTC: January in Paris too, so a fee at 23:30 UTC on 31 December 2019
    // (00:30 on 1 January in Paris) counts there, and not in UTC.
    const s = await createBillingScenario();
    await s.fee(500, "2019-12-31 23:30:00");
    expect(await months(s.org.apiKey, "timezone=Europe/Paris")).toEqual([["2020-01-01T00:00:00.000+01:00", 500]]);
    expect(await months(s.org.apiKey, "timezone=UTC")).toEqual([]);
  });
});
