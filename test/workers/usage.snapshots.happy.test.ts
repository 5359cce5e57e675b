// The usage answers count the service's own usage snapshots (edge_analytics.usage_snapshots) beside
// Lago's daily_usages: a snapshot counts for a (subscription, day) Lago has no row for, and Lago's
// row wins where both exist. Expected values worked out by hand from the rows below.
import { describe, expect, it } from "vitest";
import { chargeUsage } from "../helpers/lago-usage.ts";
import { getJson } from "./helpers/request.ts";
import { createSubscription, createUsageScenario } from "./helpers/usage-factories.ts";

const PATH = "/api/v1/analytics/usage";

async function usages(apiKey: string, query: string) {
  const { status, body } = await getJson(`${PATH}${query}`, { apiKey });
  expect(status).toBe(200);
  return (body.usages as { start_of_period_dt: string; end_of_period_dt: string; amount_cents: number; units: string }[])
    .map((r) => [r.start_of_period_dt, r.end_of_period_dt, r.amount_cents, r.units]);
}

/**
 * Subscription A: Lago's row on the 10th (1 unit, 100) and a snapshot of the same day (50, 5000:
 * Lago's wins, it never counts); a snapshot alone on the 11th (2, 200). Subscription B: a snapshot
 * on the 10th (3, 300), where Lago has a row for A only.
 */
async function scenario() {
  const s = await createUsageScenario();
  const b = await createSubscription(s.org.id, { customerId: s.customerId, planId: s.planId, externalId: `sub_b_${crypto.randomUUID().slice(0, 6)}` });
  await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100)]);
  await s.snapshot("2025-03-10", [chargeUsage(s.metric, "50", 5000)]);
  await s.snapshot("2025-03-11", [chargeUsage(s.metric, "2", 200)]);
  await s.snapshot("2025-03-10", [chargeUsage(s.metric, "3", 300)], b);
  return { s, b };
}

describe("usage: the service's snapshots beside Lago's daily usage", () => {
  it("counts a snapshot where Lago has no row for that subscription and day, and Lago's row where both exist (daily)", async () => {
    const { s } = await scenario();
    expect(await usages(s.org.apiKey, "?from_date=2025-03-01&to_date=2025-03-31&time_granularity=daily")).toEqual([
      ["2025-03-10", "2025-03-10", 400, "4"],
      ["2025-03-11", "2025-03-11", 200, "2"],
    ]);
  });

  it("sums them alike by week and by month", async () => {
    const { s } = await scenario();
    // 2025-03-10 is a Monday: both days are in that ISO week.
    expect(await usages(s.org.apiKey, "?from_date=2025-03-01&to_date=2025-03-31&time_granularity=weekly")).toEqual([
      ["2025-03-10", "2025-03-16", 600, "6"],
    ]);
    expect(await usages(s.org.apiKey, "?from_date=2025-03-01&to_date=2025-03-31&time_granularity=monthly")).toEqual([
      ["2025-03-01", "2025-03-31", 600, "6"],
    ]);
  });

  it("filters snapshots like Lago's rows: by subscription, and the window's days", async () => {
    const { s, b } = await scenario();
    expect(await usages(s.org.apiKey, `?from_date=2025-03-01&to_date=2025-03-31&external_subscription_id=${b.externalId}`)).toEqual([
      ["2025-03-10", "2025-03-10", 300, "3"],
    ]);
    expect(await usages(s.org.apiKey, `?from_date=2025-03-01&to_date=2025-03-31&external_subscription_id=${s.subscription.externalId}`)).toEqual([
      ["2025-03-10", "2025-03-10", 100, "1"],
      ["2025-03-11", "2025-03-11", 200, "2"],
    ]);
    expect(await usages(s.org.apiKey, "?from_date=2025-03-11&to_date=2025-03-31")).toEqual([["2025-03-11", "2025-03-11", 200, "2"]]);
  });

  it("never counts another organization's snapshots", async () => {
    const { s } = await scenario();
    const other = await createUsageScenario();
    expect(await usages(other.org.apiKey, "?from_date=2025-03-01&to_date=2025-03-31")).toEqual([]);
    await other.snapshot("2025-03-10", [chargeUsage(other.metric, "9", 900)]);
    // Another window than the one asked before (and cached) above.
    expect(await usages(other.org.apiKey, "?from_date=2025-03-01&to_date=2025-03-30")).toEqual([["2025-03-10", "2025-03-10", 900, "9"]]);
    expect(await usages(s.org.apiKey, "?from_date=2025-03-10&to_date=2025-03-10")).toEqual([["2025-03-10", "2025-03-10", 400, "4"]]);
  });
});
