import { describe, expect, it } from "vitest";
import { chargeUsage } from "../helpers/lago-usage.ts";
import { createUsageMetric, createUsageScenario } from "./helpers/usage-factories.ts";
import { MARCH_2025, row, usages } from "./helpers/usage-answers.ts";

// GET /api/v1/analytics/usage: what counts, exact sums, granularities and the date window (filters: usage.filters.happy.test.ts).
describe("usage: what counts", () => {
  it("sums every record of a day, one row per day by default", async () => {
    const s = await createUsageScenario();
    const m = s.metric;
    await s.usage("2025-03-10", [chargeUsage(m, "10", 100), chargeUsage(m, "2.5", 50)]);
    await s.usage("2025-03-10", [chargeUsage(m, "1", 7)]);
    await s.usage("2025-03-12", [chargeUsage(m, "4", 40)]);
    expect(await usages(s.org.apiKey, MARCH_2025)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 157, units: "13.5" }),
      row(s.org.id, ["2025-03-12", "2025-03-12"], { amount: 40, units: "4" }),
    ]);
  });

  it("gives each metric code and currency its own row, never converting", async () => {
    const s = await createUsageScenario();
    const seats = await createUsageMetric(s.org.id, { code: "seats" });
    await s.usage("2025-03-10", [
      chargeUsage(s.metric, "1", 100),
      chargeUsage(s.metric, "2", 300, "EUR"),
      chargeUsage(seats, "5", 500),
    ]);
    expect(await usages(s.org.apiKey, MARCH_2025)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2", currency: "EUR" }),
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1" }),
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 500, units: "5", code: "seats" }),
    ]);
  });

  it("orders by period, then code and currency in byte order", async () => {
    const s = await createUsageScenario();
    const upper = await createUsageMetric(s.org.id, { code: "Zeta" });
    const lower = await createUsageMetric(s.org.id, { code: "alpha" });
    await s.usage("2025-03-11", [chargeUsage(lower, "1", 1), chargeUsage(upper, "1", 1)]);
    await s.usage("2025-03-10", [chargeUsage(lower, "1", 1, "USD"), chargeUsage(lower, "1", 1, "EUR")]);
    const rows = (await usages(s.org.apiKey, MARCH_2025)) as Record<string, string>[];
    expect(rows.map((r) => `${r.start_of_period_dt} ${r.billable_metric_code} ${r.amount_currency}`)).toEqual([
      "2025-03-10 alpha EUR",
      "2025-03-10 alpha USD",
      "2025-03-11 Zeta USD", // 'Z' (0x5A) sorts before 'a' (0x61)
      "2025-03-11 alpha USD",
    ]);
  });

  it("counts nothing for a row whose usage_date is NULL", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 10)]);
    await s.usage(null, [chargeUsage(s.metric, "900", 9000)]);
    expect(await usages(s.org.apiKey, MARCH_2025)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 10, units: "1" }),
    ]);
  });

  it("answers an empty list when there is no record in the window", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-10", []);
    await s.usage("2025-04-01", [chargeUsage(s.metric, "1", 10)]);
    expect(await usages(s.org.apiKey, MARCH_2025)).toEqual([]);
  });
});

describe("usage: exact sums", () => {
  async function sumOf(records: [string, number | string][]) {
    const s = await createUsageScenario();
    await s.usage("2025-03-10", records.map(([units, amount]) => chargeUsage(s.metric, units, amount)));
    const [only] = (await usages(s.org.apiKey, MARCH_2025)) as { units: string; amount_cents: number }[];
    return { units: only?.units, amount: only?.amount_cents };
  }

  it('adds units 0.1 and 0.2 to exactly "0.3"', async () => {
    expect((await sumOf([["0.1", 0], ["0.2", 0]])).units).toBe("0.3");
  });

  it('drops trailing zeros: 3.50 and 1.5 make "5"', async () => {
    expect((await sumOf([["3.50", 0], ["1.5", 0]])).units).toBe("5");
  });

  it("writes big unit sums in full, without an exponent", async () => {
    expect((await sumOf([["12345678901234567890.5", 0], ["0.25", 0]])).units).toBe("12345678901234567890.75");
  });

  it("rounds a half cent away from zero: 0.5 is 1", async () => {
    expect((await sumOf([["1", 0.5]])).amount).toBe(1);
  });

  it("rounds a negative half cent away from zero: -2.5 is -3", async () => {
    expect((await sumOf([["1", -2], ["1", "-0.5"]])).amount).toBe(-3);
  });

  it("rounds once, after summing: 0.4 + 0.4 is 1, not 0", async () => {
    expect((await sumOf([["1", 0.4], ["1", 0.4]])).amount).toBe(1);
  });
});

describe("usage: time_granularity", () => {
  it("daily is one row per day", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-09", [chargeUsage(s.metric, "1", 1)]);
    await s.usage("2025-03-10", [chargeUsage(s.metric, "2", 2)]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&time_granularity=daily`)).toEqual([
      row(s.org.id, ["2025-03-09", "2025-03-09"], { amount: 1, units: "1" }),
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 2, units: "2" }),
    ]);
  });

  it("weekly is one row per ISO week, Monday to Sunday", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-03", [chargeUsage(s.metric, "1", 1)]); // Monday
    await s.usage("2025-03-09", [chargeUsage(s.metric, "2", 2)]); // Sunday, same week
    await s.usage("2025-03-10", [chargeUsage(s.metric, "4", 4)]); // next Monday
    expect(await usages(s.org.apiKey, `${MARCH_2025}&time_granularity=weekly`)).toEqual([
      row(s.org.id, ["2025-03-03", "2025-03-09"], { amount: 3, units: "3" }),
      row(s.org.id, ["2025-03-10", "2025-03-16"], { amount: 4, units: "4" }),
    ]);
  });

  it("monthly is one row per calendar month", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-01", [chargeUsage(s.metric, "1", 1)]);
    await s.usage("2025-03-31", [chargeUsage(s.metric, "2", 2)]);
    await s.usage("2025-04-01", [chargeUsage(s.metric, "4", 4)]);
    const query = "?from_date=2025-03-01&to_date=2025-04-30&time_granularity=monthly";
    expect(await usages(s.org.apiKey, query)).toEqual([
      row(s.org.id, ["2025-03-01", "2025-03-31"], { amount: 3, units: "3" }),
      row(s.org.id, ["2025-04-01", "2025-04-30"], { amount: 4, units: "4" }),
    ]);
  });

  it("keeps an ISO week that crosses a year whole: 2026-12-28 to 2027-01-03", async () => {
    const s = await createUsageScenario();
    await s.usage("2026-12-27", [chargeUsage(s.metric, "1", 1)]); // Sunday of the week before
    await s.usage("2026-12-28", [chargeUsage(s.metric, "2", 2)]); // Monday
    await s.usage("2027-01-03", [chargeUsage(s.metric, "4", 4)]); // Sunday
    await s.usage("2027-01-04", [chargeUsage(s.metric, "8", 8)]); // Monday after
    const query = "?from_date=2026-12-21&to_date=2027-01-10&time_granularity=weekly";
    expect(await usages(s.org.apiKey, query)).toEqual([
      row(s.org.id, ["2026-12-21", "2026-12-27"], { amount: 1, units: "1" }),
      row(s.org.id, ["2026-12-28", "2027-01-03"], { amount: 6, units: "6" }),
      row(s.org.id, ["2027-01-04", "2027-01-10"], { amount: 8, units: "8" }),
    ]);
  });

  it("ends February of a leap year on the 29th", async () => {
    const s = await createUsageScenario();
    await s.usage("2028-02-01", [chargeUsage(s.metric, "1", 1)]);
    await s.usage("2028-02-29", [chargeUsage(s.metric, "2", 2)]);
    await s.usage("2028-03-01", [chargeUsage(s.metric, "4", 4)]);
    const query = "?from_date=2028-02-01&to_date=2028-03-01&time_granularity=monthly";
    expect(await usages(s.org.apiKey, query)).toEqual([
      row(s.org.id, ["2028-02-01", "2028-02-29"], { amount: 3, units: "3" }),
      row(s.org.id, ["2028-03-01", "2028-03-31"], { amount: 4, units: "4" }),
    ]);
  });

  it("keeps the whole week where the window cuts it, summing only records inside", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-04", [chargeUsage(s.metric, "1000", 1000)]); // Tuesday, before the window
    await s.usage("2025-03-05", [chargeUsage(s.metric, "1", 1)]);
    await s.usage("2025-03-09", [chargeUsage(s.metric, "2", 2)]);
    await s.usage("2025-03-12", [chargeUsage(s.metric, "4", 4)]);
    await s.usage("2025-03-13", [chargeUsage(s.metric, "2000", 2000)]); // after the window
    const query = "?from_date=2025-03-05&to_date=2025-03-12&time_granularity=weekly";
    expect(await usages(s.org.apiKey, query)).toEqual([
      row(s.org.id, ["2025-03-03", "2025-03-09"], { amount: 3, units: "3" }),
      row(s.org.id, ["2025-03-10", "2025-03-16"], { amount: 4, units: "4" }),
    ]);
  });

  it("keeps the whole month where the window cuts it, summing only records inside", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-14", [chargeUsage(s.metric, "1000", 1000)]);
    await s.usage("2025-03-15", [chargeUsage(s.metric, "1", 1)]);
    await s.usage("2025-04-10", [chargeUsage(s.metric, "2", 2)]);
    await s.usage("2025-04-11", [chargeUsage(s.metric, "2000", 2000)]);
    const query = "?from_date=2025-03-15&to_date=2025-04-10&time_granularity=monthly";
    expect(await usages(s.org.apiKey, query)).toEqual([
      row(s.org.id, ["2025-03-01", "2025-03-31"], { amount: 1, units: "1" }),
      row(s.org.id, ["2025-04-01", "2025-04-30"], { amount: 2, units: "2" }),
    ]);
  });
});

describe("usage: the date window", () => {
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

  it("by default runs from 30 days before today (UTC) to today, both included", async () => {
    const s = await createUsageScenario();
    await s.usage(daysAgo(0), [chargeUsage(s.metric, "1", 1)]);
    await s.usage(daysAgo(30), [chargeUsage(s.metric, "2", 2)]);
    await s.usage(daysAgo(31), [chargeUsage(s.metric, "4", 4)]);
    await s.usage(daysAgo(-1), [chargeUsage(s.metric, "8", 8)]);
    expect(await usages(s.org.apiKey, "")).toEqual([
      row(s.org.id, [daysAgo(30), daysAgo(30)], { amount: 2, units: "2" }),
      row(s.org.id, [daysAgo(0), daysAgo(0)], { amount: 1, units: "1" }),
    ]);
  });

  it("with to_date alone, starts 30 days before it", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-02-28", [chargeUsage(s.metric, "4", 4)]);
    await s.usage("2025-03-01", [chargeUsage(s.metric, "1", 1)]);
    await s.usage("2025-03-31", [chargeUsage(s.metric, "2", 2)]);
    expect(await usages(s.org.apiKey, "?to_date=2025-03-31&time_granularity=monthly")).toEqual([
      row(s.org.id, ["2025-03-01", "2025-03-31"], { amount: 3, units: "3" }),
    ]);
  });

  it("with from_date alone, ends today", async () => {
    const s = await createUsageScenario();
    await s.usage("2024-12-31", [chargeUsage(s.metric, "4", 4)]);
    await s.usage("2025-01-01", [chargeUsage(s.metric, "1", 1)]);
    await s.usage(daysAgo(0), [chargeUsage(s.metric, "2", 2)]);
    await s.usage(daysAgo(-1), [chargeUsage(s.metric, "8", 8)]);
    expect(await usages(s.org.apiKey, "?from_date=2025-01-01")).toEqual([
      row(s.org.id, ["2025-01-01", "2025-01-01"], { amount: 1, units: "1" }),
      row(s.org.id, [daysAgo(0), daysAgo(0)], { amount: 2, units: "2" }),
    ]);
  });

  it("accepts a one-day window", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 1)]);
    await s.usage("2025-03-11", [chargeUsage(s.metric, "2", 2)]);
    expect(await usages(s.org.apiKey, "?from_date=2025-03-10&to_date=2025-03-10")).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 1, units: "1" }),
    ]);
  });
});
