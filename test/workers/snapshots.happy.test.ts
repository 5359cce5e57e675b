// Usage snapshots taken from Lago's current_usage API (the stand-in, scripts/lago-api/stand-in.ts)
// where Lago writes no daily usage: which subscriptions are due when, what is stored (Lago's
// usage_diff rules), and what the usage endpoint then answers. In workerd, through the database
// path of the run; expected values worked out by hand.
import { describe, expect, it } from "vitest";
import type { CustomerUsageObject } from "../../scripts/lago-api/stand-in.ts";
import { getJson } from "./helpers/request.ts";
import { customerUsage } from "../../scripts/lago-api/stand-in.ts";
import { snapshotScenario as scenario } from "./helpers/snapshots.ts";

const unitsOf = (u: CustomerUsageObject) => u.charges_usage.map((c) => [c.charge.lago_id, c.units, c.amount_cents, c.events_count]);

describe("usage snapshots: what is stored", () => {
  it("stores the first snapshot of a period whole, then each day's difference, exactly (0.4 after 0.1 is 0.3)", async () => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, [{ id: "ch_1", units: "0.1", amount: 10, events: 1 }]));
    // 01:30 UTC on the 11th: local yesterday (UTC) is the 10th.
    expect(await s.run("2025-03-11T01:30:00Z")).toMatchObject({ calls: 1, stored: 1 });
    await s.lagoAnswers(customerUsage(s.metric, [{ id: "ch_1", units: "0.4", amount: 40, events: 4 }]));
    expect(await s.run("2025-03-12T00:05:00Z")).toMatchObject({ calls: 1, stored: 1 });
    const rows = await s.stored();
    expect(rows.map((r) => [r.usage_date, unitsOf(r.usage_diff)])).toEqual([
      ["2025-03-10", [["ch_1", "0.1", 10, 1]]],
      ["2025-03-11", [["ch_1", "0.3", 30, 3]]],
    ]);
    expect(rows[1]?.usage_diff).toMatchObject({ amount_cents: 30, total_amount_cents: 30 });
    // Lago was asked without taxes, with the organization's own key, at encoded paths.
    expect((await s.calls()).map((c) => [c.status, c.apply_taxes, c.authorized])).toEqual([[200, "false", true], [200, "false", true]]);
    // The usage endpoint answers the sum of the stored diffs: 0.1 + 0.3 = 0.4 units, 40 cents.
    const { body } = await getJson("/api/v1/analytics/usage?from_date=2025-03-01&to_date=2025-03-31&time_granularity=monthly", { apiKey: s.org.apiKey });
    expect((body.usages as Record<string, unknown>[]).map((u) => [u.amount_currency, u.units, u.amount_cents])).toEqual([["EUR", "0.4", 40]]);
  });

  it("starts over in a new billing period, and drops the charges that measured nothing", async () => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, [{ id: "ch_1", units: "5", amount: 500, events: 5 }, { id: "ch_0", units: "0", amount: 0, events: 0 }]));
    await s.run("2025-03-31T02:00:00Z"); // the 30th
    await s.lagoAnswers(customerUsage(s.metric, [{ id: "ch_1", units: "2", amount: 200, events: 2 }], { from: "2025-04-01T00:00:00Z", to: "2025-04-30T23:59:59Z" }));
    await s.run("2025-04-02T02:00:00Z"); // April 1st, a new period: the whole usage, not 2 - 5
    expect((await s.stored()).map((r) => [r.usage_date, r.from_datetime, unitsOf(r.usage_diff)])).toEqual([
      ["2025-03-30", "2025-03-01 00:00:00", [["ch_1", "5", 500, 5]]],
      ["2025-04-01", "2025-04-01 00:00:00", [["ch_1", "2", 200, 2]]],
    ]);
  });

  it("stores no row when nothing was measured, and does not ask again that day", async () => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, [{ id: "ch_0", units: "0", amount: 0, events: 0 }]));
    expect(await s.run("2025-03-11T00:10:00Z")).toMatchObject({ calls: 1, empty: 1, stored: 0 });
    expect(await s.run("2025-03-11T01:10:00Z")).toMatchObject({ calls: 0 });
    expect(await s.stored()).toEqual([]);
  });
});

describe("usage snapshots: who is due, and when", () => {
  it("is due only in the first three local hours, once per day, and never where Lago writes its own", async () => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, [{ id: "ch_1", units: "1", amount: 1, events: 1 }]));
    expect(await s.run("2025-03-11T03:00:00Z")).toMatchObject({ calls: 0 }); // 03:00: too late
    expect(await s.run("2025-03-11T02:59:59Z")).toMatchObject({ calls: 1, stored: 1 });
    expect(await s.run("2025-03-11T02:59:59Z")).toMatchObject({ calls: 0 });
    const premium = await scenario({ premium: true });
    await premium.lagoAnswers(customerUsage(premium.metric, [{ id: "ch_1", units: "1", amount: 1, events: 1 }]));
    expect(await premium.run("2025-03-11T00:30:00Z")).toMatchObject({ calls: 0 });
  });

  it.each([
    // UTC+14: 2025-03-10 11:30 UTC is 01:30 on the 11th there; UTC-11: 12:30 UTC on the 11th is 01:30 on the 11th.
    ["a customer at UTC+14", { customerZone: "Pacific/Kiritimati" }, "2025-03-10T11:30:00Z", "2025-03-10"],
    ["a customer at UTC-11", { customerZone: "Pacific/Pago_Pago" }, "2025-03-11T12:30:00Z", "2025-03-10"],
    // The billing entity's zone when the customer has none: Tokyo (UTC+9), 16:00 UTC is 01:00 there.
    ["its billing entity's zone", { entityZone: "Asia/Tokyo" }, "2025-03-10T16:00:00Z", "2025-03-10"],
  ])("follows %s", async (_, zones, at, day) => {
    const s = await scenario(zones);
    await s.lagoAnswers(customerUsage(s.metric, [{ id: "ch_1", units: "1", amount: 1, events: 1 }]));
    expect(await s.run(new Date(Date.parse(at) - 2 * 3_600_000).toISOString())).toMatchObject({ calls: 0 }); // 23:30 / 14:00 there
    expect(await s.run(at)).toMatchObject({ calls: 1, stored: 1 });
    expect((await s.stored()).map((r) => r.usage_date)).toEqual([day]);
  });
});

describe("usage snapshots: Lago's answer in detail", () => {
  it("diffs filters and grouped usage, and gives nothing for a charge that disappeared", async () => {
    const s = await scenario();
    const base = customerUsage(s.metric, [{ id: "ch_a", units: "3", amount: 300, events: 3 }, { id: "ch_b", units: "1", amount: 100, events: 1 }]);
    const detailed = (units: string, amount: number, euUnits: string, awsUnits: string): CustomerUsageObject["charges_usage"][number] => ({
      ...base.charges_usage[0]!, units, amount_cents: amount,
      filters: [{ values: { region: ["eu"] }, units: euUnits, total_aggregated_units: euUnits, amount_cents: amount, events_count: 1, invoice_display_name: "EU" }],
      grouped_usage: [{ grouped_by: { cloud: "aws" }, units: awsUnits, total_aggregated_units: awsUnits, amount_cents: amount, events_count: 1, filters: [] }],
    });
    await s.lagoAnswers({ ...base, charges_usage: [detailed("3", 300, "1.25", "2"), base.charges_usage[1]!] });
    await s.run("2025-03-11T01:00:00Z");
    // The next day ch_b is gone; ch_a grew to 5 units (EU 2, aws 3.5).
    await s.lagoAnswers({ ...base, amount_cents: 500, charges_usage: [detailed("5", 500, "2", "3.5")] });
    await s.run("2025-03-12T01:00:00Z");
    const [, second] = await s.stored();
    expect(second?.usage_diff.charges_usage.map((c) => c.charge.lago_id)).toEqual(["ch_a"]);
    const a = second!.usage_diff.charges_usage[0]!;
    expect([a.units, a.amount_cents]).toEqual(["2", 200]);
    expect(a.filters?.map((f) => [f.values, f.units, f.events_count])).toEqual([[{ region: ["eu"] }, "0.75", 0]]);
    expect(a.grouped_usage?.map((g) => [g.grouped_by, g.units, g.amount_cents])).toEqual([[{ cloud: "aws" }, "1.5", 200]]);
    expect(second?.usage_diff.amount_cents).toBe(200);
  });

  it("answers the sum of the stored diffs by day, by ISO week and by month", async () => {
    const s = await scenario();
    // Cumulative usage of the period on Sun 9th, Mon 10th and Tue 11th March 2025 (two metrics' worth
    // under one charge each): diffs 1.5/150, then 0.25/25, then 2/200.
    const days: [string, string, number][] = [["2025-03-10T01:00:00Z", "1.5", 150], ["2025-03-11T01:00:00Z", "1.75", 175], ["2025-03-12T01:00:00Z", "3.75", 375]];
    for (const [at, units, amount] of days) {
      await s.lagoAnswers(customerUsage(s.metric, [{ id: "ch_1", units, amount, events: 1 }]));
      await s.run(at);
    }
    const ask = async (granularity: string) => {
      const { body } = await getJson(`/api/v1/analytics/usage?from_date=2025-03-01&to_date=2025-03-31&time_granularity=${granularity}`, { apiKey: s.org.apiKey });
      return (body.usages as Record<string, unknown>[]).map((u) => [u.start_of_period_dt, u.units, u.amount_cents]);
    };
    expect(await ask("daily")).toEqual([["2025-03-09", "1.5", 150], ["2025-03-10", "0.25", 25], ["2025-03-11", "2", 200]]);
    // The 9th is a Sunday: the week of Mon 3rd; the 10th and 11th: the week of Mon 10th.
    expect(await ask("weekly")).toEqual([["2025-03-03", "1.5", 150], ["2025-03-10", "2.25", 225]]);
    expect(await ask("monthly")).toEqual([["2025-03-01", "3.75", 375]]);
  });
});
