import { describe, expect, it } from "vitest";
import { getJson } from "./helpers/request.ts";
import { chargeUsage } from "../helpers/lago-usage.ts";
import { createCustomer, createPlan, createSubscription, createUsageMetric, createUsageScenario } from "./helpers/usage-factories.ts";

const PATH = "/api/v1/analytics/usage";

async function usages(apiKey: string, query: string) {
  const { status, body } = await getJson(`${PATH}${query}`, { apiKey });
  expect(status).toBe(200);
  return body.usages;
}

type Expected = { amount: number; units: string; code?: string; currency?: string; deleted?: boolean };

/** One expected output row: the period's first and last day, then the sums. */
const row = (organizationId: string, [start, end]: [string, string], e: Expected) => ({
  organization_id: organizationId,
  start_of_period_dt: start,
  end_of_period_dt: end,
  amount_currency: e.currency ?? "USD",
  amount_cents: e.amount,
  billable_metric_code: e.code ?? "api_calls",
  units: e.units,
  is_billable_metric_deleted: e.deleted ?? false,
});

const MARCH_2025 = "?from_date=2025-03-01&to_date=2025-03-31";

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

describe("usage: filters", () => {
  it("currency, in any case", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100), chargeUsage(s.metric, "2", 300, "EUR")]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&currency=eUr`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2", currency: "EUR" }),
    ]);
  });

  it("billable_metric_code", async () => {
    const s = await createUsageScenario();
    const seats = await createUsageMetric(s.org.id, { code: "seats" });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100), chargeUsage(seats, "2", 300)]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&billable_metric_code=seats`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2", code: "seats" }),
    ]);
  });

  it("external_subscription_id", async () => {
    const s = await createUsageScenario();
    const other = await createSubscription(s.org.id, { customerId: s.customerId, planId: s.planId, externalId: "sub_b" });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100)]);
    await s.usage("2025-03-10", [chargeUsage(s.metric, "2", 300)], other);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&external_subscription_id=sub_b`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2" }),
    ]);
  });

  /** A second customer with its own subscription on the scenario's plan, and one record each. */
  async function twoCustomers(mine: Parameters<typeof createUsageScenario>[0], theirs: Parameters<typeof createCustomer>[2]) {
    const s = await createUsageScenario(mine);
    const otherCustomer = await createCustomer(s.org.id, s.billingEntityId, theirs);
    const other = await createSubscription(s.org.id, { customerId: otherCustomer, planId: s.planId });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100)]);
    await s.usage("2025-03-10", [chargeUsage(s.metric, "2", 300)], other);
    return s;
  }
  const firstCustomerOnly = (orgId: string) => [row(orgId, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1" })];

  it("customer_type", async () => {
    const s = await twoCustomers({ customer: { customerType: "company" } }, { customerType: "individual" });
    expect(await usages(s.org.apiKey, `${MARCH_2025}&customer_type=company`)).toEqual(firstCustomerOnly(s.org.id));
  });

  it("customer_type leaves out customers without a type", async () => {
    const s = await twoCustomers({ customer: { customerType: "individual" } }, { customerType: null });
    expect(await usages(s.org.apiKey, `${MARCH_2025}&customer_type=individual`)).toEqual(firstCustomerOnly(s.org.id));
  });

  it("external_customer_id", async () => {
    const s = await twoCustomers({ customer: { externalId: "acme" } }, { externalId: "globex" });
    expect(await usages(s.org.apiKey, `${MARCH_2025}&external_customer_id=acme`)).toEqual(firstCustomerOnly(s.org.id));
  });

  it("customer_country, in any case on either side", async () => {
    const s = await twoCustomers({ customer: { country: "fr" } }, { country: "DE" });
    expect(await usages(s.org.apiKey, `${MARCH_2025}&customer_country=Fr`)).toEqual(firstCustomerOnly(s.org.id));
  });

  it("customer_country=NO (Norway), in any case: Lago's YAML quotes it, the code itself is plain", async () => {
    const s = await twoCustomers({ customer: { country: "NO" } }, { country: "DE" });
    expect(await usages(s.org.apiKey, `${MARCH_2025}&customer_country=NO`)).toEqual(firstCustomerOnly(s.org.id));
    expect(await usages(s.org.apiKey, `${MARCH_2025}&customer_country=no`)).toEqual(firstCustomerOnly(s.org.id));
  });

  it("currency=NOK (Norwegian krone) is accepted, in any case", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100, "NOK")]);
    const expected = [row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1", currency: "NOK" })];
    expect(await usages(s.org.apiKey, `${MARCH_2025}&currency=NOK`)).toEqual(expected);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&currency=nok`)).toEqual(expected);
  });

  it("plan_code", async () => {
    const s = await createUsageScenario();
    const pro = await createPlan(s.org.id, { code: "pro" });
    const onPro = await createSubscription(s.org.id, { customerId: s.customerId, planId: pro });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100)]);
    await s.usage("2025-03-10", [chargeUsage(s.metric, "2", 300)], onPro);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&plan_code=pro`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2" }),
    ]);
  });

  it("is_billable_metric_recurring, true and false", async () => {
    const s = await createUsageScenario();
    const seats = await createUsageMetric(s.org.id, { code: "seats", recurring: true });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100), chargeUsage(seats, "2", 300)]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&is_billable_metric_recurring=true`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2", code: "seats" }),
    ]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&is_billable_metric_recurring=false`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1" }),
    ]);
  });

  // Lago's Python client sends True / False; 1 / 0 are the other common spellings.
  it.each([
    ["True", true], ["TRUE", true], ["true", true], ["1", true],
    ["False", false], ["FALSE", false], ["false", false], ["0", false],
  ])("is_billable_metric_recurring=%s means %s", async (spelling, recurring) => {
    const s = await createUsageScenario();
    const seats = await createUsageMetric(s.org.id, { code: "seats", recurring: true });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100), chargeUsage(seats, "2", 300)]);
    const expected = recurring
      ? row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2", code: "seats" })
      : row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1" });
    expect(await usages(s.org.apiKey, `${MARCH_2025}&is_billable_metric_recurring=${spelling}`)).toEqual([expected]);
  });

  it("is_billable_metric_recurring follows the record's metric id, not its code", async () => {
    const s = await createUsageScenario();
    const oldSeats = await createUsageMetric(s.org.id, { code: "seats", deletedAt: "2025-03-15 00:00:00" });
    const newSeats = await createUsageMetric(s.org.id, { code: "seats", recurring: true });
    await s.usage("2025-03-10", [chargeUsage(oldSeats, "1", 100)]);
    await s.usage("2025-03-20", [chargeUsage(newSeats, "2", 300)]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&is_billable_metric_recurring=true`)).toEqual([
      row(s.org.id, ["2025-03-20", "2025-03-20"], { amount: 300, units: "2", code: "seats" }),
    ]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&is_billable_metric_recurring=false`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1", code: "seats" }),
    ]);
  });

  it("customer_type and plan_code together", async () => {
    const s = await createUsageScenario({ customer: { customerType: "company" } });
    const person = await createCustomer(s.org.id, s.billingEntityId, { customerType: "individual" });
    const pro = await createPlan(s.org.id, { code: "pro" });
    const subs = [
      [s.customerId, pro, 1], // company on pro: the only one counted
      [s.customerId, s.planId, 2],
      [person, pro, 4],
      [person, s.planId, 8],
    ] as const;
    for (const [customerId, planId, amount] of subs) {
      const sub = await createSubscription(s.org.id, { customerId, planId });
      await s.usage("2025-03-10", [chargeUsage(s.metric, String(amount), amount)], sub);
    }
    expect(await usages(s.org.apiKey, `${MARCH_2025}&customer_type=company&plan_code=pro`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 1, units: "1" }),
    ]);
  });

  it("currency and billable_metric_code together", async () => {
    const s = await createUsageScenario();
    const seats = await createUsageMetric(s.org.id, { code: "seats" });
    await s.usage("2025-03-10", [
      chargeUsage(s.metric, "1", 1),
      chargeUsage(s.metric, "2", 2, "EUR"),
      chargeUsage(seats, "4", 4),
      chargeUsage(seats, "8", 8, "EUR"),
    ]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&currency=EUR&billable_metric_code=seats`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 8, units: "8", code: "seats", currency: "EUR" }),
    ]);
  });
});

describe("usage: is_billable_metric_deleted", () => {
  it("is true when the only metric with the code is deleted", async () => {
    const s = await createUsageScenario();
    const gone = await createUsageMetric(s.org.id, { code: "legacy", deletedAt: "2025-03-15 00:00:00" });
    await s.usage("2025-03-10", [chargeUsage(gone, "1", 100)]);
    expect(await usages(s.org.apiKey, MARCH_2025)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1", code: "legacy", deleted: true }),
    ]);
  });

  it("is false when the code was deleted and created again", async () => {
    const s = await createUsageScenario();
    const old = await createUsageMetric(s.org.id, { code: "seats", deletedAt: "2025-03-15 00:00:00" });
    const again = await createUsageMetric(s.org.id, { code: "seats" });
    await s.usage("2025-03-10", [chargeUsage(old, "1", 100)]);
    await s.usage("2025-03-20", [chargeUsage(again, "2", 300)]);
    expect(await usages(s.org.apiKey, MARCH_2025)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1", code: "seats" }),
      row(s.org.id, ["2025-03-20", "2025-03-20"], { amount: 300, units: "2", code: "seats" }),
    ]);
  });
});
