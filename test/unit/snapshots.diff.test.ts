// The usage snapshots' pure parts, on answers written by hand in Lago's CustomerUsage shape: what is
// accepted as Lago's answer, which charges are kept, and the difference from the previous snapshot
// (expected values worked out by hand).
import { describe, expect, it } from "vitest";
import { type ChargeUsage, type CustomerUsage, parseCustomerUsage } from "../../src/snapshots/customer-usage.ts";
import { keptUsage, usageDiff } from "../../src/snapshots/diff.ts";

function charge(id: string, units: string, amount: number, events: number, more: Partial<ChargeUsage> = {}): ChargeUsage {
  return {
    units, amount_cents: amount, events_count: events, amount_currency: "EUR",
    charge: { lago_id: id, charge_model: "standard" }, billable_metric: { lago_id: `bm_${id}`, code: `metric_${id}`, name: id },
    filters: [], grouped_usage: [], ...more,
  };
}

function usage(charges: ChargeUsage[], more: Partial<CustomerUsage> = {}): CustomerUsage {
  return {
    from_datetime: "2026-11-01T00:00:00Z", to_datetime: "2026-11-30T23:59:59Z", issuing_date: "2026-12-01", currency: "EUR",
    amount_cents: charges.reduce((s, c) => s + c.amount_cents, 0), taxes_amount_cents: 0,
    total_amount_cents: charges.reduce((s, c) => s + c.amount_cents, 0), charges_usage: charges, ...more,
  };
}

describe("Lago's answer", () => {
  it("is read from a customer_usage body, keeping the fields it does not name", () => {
    const body = { customer_usage: { ...usage([charge("c1", "1.5", 150, 3, { total_aggregated_units: "1.5" } as never)]), lago_invoice_id: null } };
    const parsed = parseCustomerUsage(JSON.stringify(body));
    expect(parsed?.charges_usage[0]?.units).toBe("1.5");
    expect((parsed?.charges_usage[0] as Record<string, unknown>).total_aggregated_units).toBe("1.5");
    expect(parsed).toHaveProperty("lago_invoice_id", null);
  });

  it.each([
    ["HTML", "<html><body>502 Bad Gateway</body></html>"],
    ["truncated JSON", JSON.stringify({ customer_usage: usage([charge("c1", "1", 1, 1)]) }).slice(0, 80)],
    ["another object", JSON.stringify({ customers: [] })],
    ["units as a number", JSON.stringify({ customer_usage: usage([{ ...charge("c1", "1", 1, 1), units: 1 as never }]) })],
    ["units with an exponent", JSON.stringify({ customer_usage: usage([charge("c1", "1e3", 1, 1)]) })],
    ["units that are not a number", JSON.stringify({ customer_usage: usage([charge("c1", "NaN", 1, 1)]) })],
    ["a fractional amount", JSON.stringify({ customer_usage: usage([charge("c1", "1", 1.5, 1)]) })],
    ["a period that is not a date", JSON.stringify({ customer_usage: usage([], { from_datetime: "yesterday" }) })],
    ["a charge without its id", JSON.stringify({ customer_usage: usage([{ ...charge("c1", "1", 1, 1), charge: {} as never }]) })],
    ["null", "null"],
  ])("is refused when it is %s", (_, text) => {
    expect(parseCustomerUsage(text)).toBeUndefined();
  });
});

describe("the kept usage", () => {
  it("drops the charges that measured nothing, and is nothing when none is left", () => {
    const kept = keptUsage(usage([charge("zero", "0", 0, 0), charge("units", "0.001", 0, 0), charge("events", "0", 0, 2), charge("money", "0.0", 5, 0)]));
    expect(kept?.charges_usage.map((c) => c.charge.lago_id)).toEqual(["units", "events", "money"]);
    expect(keptUsage(usage([charge("zero", "0", 0, 0), charge("zero2", "0.000", 0, 0)]))).toBeUndefined();
  });
});

describe("usage_diff", () => {
  it("is the whole usage for the first snapshot of a period", () => {
    const first = usage([charge("c1", "0.1", 10, 1)]);
    expect(usageDiff(first, undefined)).toEqual(first);
  });

  it("is the exact difference on the next day: 0.4 after 0.1 is 0.3", () => {
    const diff = usageDiff(usage([charge("c1", "0.4", 40, 4)]), usage([charge("c1", "0.1", 10, 1)]));
    expect(diff.charges_usage[0]).toMatchObject({ units: "0.3", amount_cents: 30, events_count: 3 });
    expect(diff).toMatchObject({ amount_cents: 30, taxes_amount_cents: 0, total_amount_cents: 30 });
  });

  it("writes units without exponent or trailing zeros, down to zero and below", () => {
    const diff = usageDiff(
      usage([charge("a", "10.50", 100, 2), charge("b", "0.0000001", 1, 1), charge("c", "2", 5, 1)]),
      usage([charge("a", "10.5", 100, 2), charge("b", "0.0000002", 0, 0), charge("c", "2.25", 5, 1)]),
    );
    expect(diff.charges_usage.map((c) => c.units)).toEqual(["0", "-0.0000001", "-0.25"]);
    // A matched charge whose difference is zero stays, as in Lago.
    expect(diff.charges_usage[0]).toMatchObject({ units: "0", amount_cents: 0, events_count: 0 });
  });

  it("keeps a new charge whole and gives nothing for a charge that disappeared", () => {
    const diff = usageDiff(usage([charge("new", "3", 300, 3)]), usage([charge("gone", "7", 700, 7)]));
    expect(diff.charges_usage).toEqual([charge("new", "3", 300, 3)]);
    expect(diff.amount_cents).toBe(300);
  });

  it("subtracts filters matched on their values (in any key order) and groups matched on grouped_by, with their filters", () => {
    const f = (values: Record<string, string[]>, units: string, amount: number) =>
      ({ values, units, amount_cents: amount, events_count: 1, invoice_display_name: null });
    const g = (by: Record<string, string>, units: string, amount: number, filters = [] as ReturnType<typeof f>[]) =>
      ({ grouped_by: by, units, amount_cents: amount, events_count: 1, filters });
    const today = charge("c1", "9", 900, 9, {
      filters: [f({ region: ["eu"], tier: ["gold"] }, "5", 500), f({ region: ["us"] }, "4", 400)],
      grouped_usage: [g({ cloud: "aws" }, "6", 600, [f({ region: ["eu"] }, "6", 600)]), g({ cloud: "gcp" }, "3", 300)],
    });
    const yesterday = charge("c1", "4", 400, 4, {
      filters: [f({ tier: ["gold"], region: ["eu"] }, "2.5", 250)],
      grouped_usage: [g({ cloud: "aws" }, "1", 100, [f({ region: ["eu"] }, "1", 100)])],
    });
    const [c] = usageDiff(usage([today]), usage([yesterday])).charges_usage;
    expect(c).toMatchObject({ units: "5", amount_cents: 500, events_count: 5 });
    expect(c?.filters?.map((x) => [x.units, x.amount_cents, x.events_count])).toEqual([["2.5", 250, 0], ["4", 400, 1]]);
    expect(c?.grouped_usage?.map((x) => [x.units, x.amount_cents])).toEqual([["5", 500], ["3", 300]]);
    expect(c?.grouped_usage?.[0]?.filters?.map((x) => x.units)).toEqual(["5"]);
  });

  it("takes the previous taxes in the share of the previous amount whose charges remain", () => {
    // Before: A 100 + B 200 = 300 with 30 of taxes. Now only A, at 150 with 15 of taxes: A's share of
    // the previous amount is 1/3, so 10 of the 30 are taken: 15 - 10 = 5.
    const diff = usageDiff(
      usage([charge("A", "15", 150, 1)], { taxes_amount_cents: 15 }),
      usage([charge("A", "10", 100, 1), charge("B", "20", 200, 1)], { taxes_amount_cents: 30 }),
    );
    expect(diff).toMatchObject({ amount_cents: 50, taxes_amount_cents: 5, total_amount_cents: 55 });
  });
});
