import { describe, expect, it } from "vitest";
import { getJson } from "./helpers/request.ts";
import { chargeUsage } from "../helpers/lago-usage.ts";
import { createDailyUsage, createPlan, createSubscription, createUsageMetric, createUsageScenario } from "./helpers/usage-factories.ts";

const PATH = "/api/v1/analytics/usage";
const MARCH_2025 = "from_date=2025-03-01&to_date=2025-03-31";

async function usages(apiKey: string, query = "") {
  const { status, body } = await getJson(`${PATH}?${MARCH_2025}${query}`, { apiKey });
  expect(status).toBe(200);
  return body.usages as Record<string, unknown>[];
}
const amounts = (rows: Record<string, unknown>[]) => rows.map((r) => r.amount_cents);

describe("usage: organizations stay apart", () => {
  it("never counts another organization's daily usage, even with the same code and day", async () => {
    const mine = await createUsageScenario();
    const theirs = await createUsageScenario();
    await mine.usage("2025-03-10", [chargeUsage(mine.metric, "1", 100)]);
    await theirs.usage("2025-03-10", [chargeUsage(theirs.metric, "70", 7000)]);
    const rows = await usages(mine.org.apiKey);
    expect(rows).toEqual([
      {
        organization_id: mine.org.id,
        start_of_period_dt: "2025-03-10",
        end_of_period_dt: "2025-03-10",
        amount_currency: "USD",
        amount_cents: 100,
        billable_metric_code: "api_calls",
        units: "1",
        is_billable_metric_deleted: false,
      },
    ]);
  });

  it("each key sees its own organization", async () => {
    const a = await createUsageScenario();
    const b = await createUsageScenario();
    await a.usage("2025-03-10", [chargeUsage(a.metric, "1", 111)]);
    await b.usage("2025-03-10", [chargeUsage(b.metric, "1", 222)]);
    const [ra, rb] = await Promise.all([usages(a.org.apiKey), usages(b.org.apiKey)]);
    expect(amounts(ra)).toEqual([111]);
    expect(amounts(rb)).toEqual([222]);
  });

  it("does not match another organization's customer external id", async () => {
    const mine = await createUsageScenario({ customer: { externalId: "mine" } });
    const theirs = await createUsageScenario({ customer: { externalId: "theirs_only" } });
    await mine.usage("2025-03-10", [chargeUsage(mine.metric, "1", 100)]);
    await theirs.usage("2025-03-10", [chargeUsage(theirs.metric, "70", 7000)]);
    expect(await usages(mine.org.apiKey, "&external_customer_id=theirs_only")).toEqual([]);
  });

  it("looks customers, plans and metrics up in the caller's organization only", async () => {
    // A row of mine that points at another organization's customer, subscription (on their plan)
    // and recurring metric: none of their attributes may make it match a filter.
    const mine = await createUsageScenario();
    const theirs = await createUsageScenario({ customer: { externalId: "acme", customerType: "company", country: "FR" } });
    const theirPlan = await createPlan(theirs.org.id, { code: "their_plan" });
    const theirSub = await createSubscription(theirs.org.id, { customerId: theirs.customerId, planId: theirPlan });
    const theirMetric = await createUsageMetric(theirs.org.id, { code: "their_seats", recurring: true });
    await createDailyUsage(mine.org.id, theirSub, "2025-03-10", [chargeUsage(theirMetric, "1", 100)]);
    for (const filter of [
      "&external_customer_id=acme",
      "&customer_type=company",
      "&customer_country=FR",
      "&plan_code=their_plan",
      "&is_billable_metric_recurring=true",
    ]) {
      expect({ filter, rows: await usages(mine.org.apiKey, filter) }).toEqual({ filter, rows: [] });
    }
  });

  it("is_billable_metric_deleted looks at the caller's metrics only", async () => {
    const mine = await createUsageScenario();
    const theirs = await createUsageScenario();
    await createUsageMetric(theirs.org.id, { code: "shared_code" });
    const gone = await createUsageMetric(mine.org.id, { code: "shared_code", deletedAt: "2025-03-15 00:00:00" });
    await mine.usage("2025-03-10", [chargeUsage(gone, "1", 100)]);
    const rows = await usages(mine.org.apiKey);
    expect(rows.map((r) => [r.billable_metric_code, r.is_billable_metric_deleted])).toEqual([["shared_code", true]]);
  });
});

describe("usage: hostile input", () => {
  it("SQL-looking filter values are data, not SQL", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100)]);
    for (const name of ["billable_metric_code", "external_customer_id", "external_subscription_id", "plan_code"]) {
      const value = encodeURIComponent("x' OR '1'='1");
      expect({ name, rows: await usages(s.org.apiKey, `&${name}=${value}`) }).toEqual({ name, rows: [] });
    }
  });

  it("a granularity that looks like SQL is a 422", async () => {
    const s = await createUsageScenario();
    const value = encodeURIComponent("day', usage_date) --");
    const { status, body } = await getJson(`${PATH}?time_granularity=${value}`, { apiKey: s.org.apiKey });
    expect(status).toBe(422);
    expect(body.error_details).toEqual({ time_granularity: ["value_is_invalid"] });
  });
});
