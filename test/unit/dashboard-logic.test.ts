// The dashboard's pure parts, worked out by hand: its windows, period-over-period figures and currency choice.
import { describe, expect, it } from "vitest";
import { compareLastPeriods } from "../../dashboard/compare.ts";
import { chosenCurrency, largestCurrency } from "../../dashboard/currency.ts";
import { periodsBetween, windowMonths } from "../../dashboard/periods.ts";
import { pivot } from "../../dashboard/pivot.ts";

describe("every period of a window", () => {
  it("lists days across a month's end, ISO weeks from their Monday, months across a year's end", () => {
    expect(periodsBetween("2026-01-30", "2026-02-02", "daily")).toEqual(["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"]);
    // Thu 1 Jan 2026 is in the week of Mon 29 Dec 2025; Mon 12 Jan starts its own.
    expect(periodsBetween("2026-01-01", "2026-01-12", "weekly")).toEqual(["2025-12-29", "2026-01-05", "2026-01-12"]);
    expect(periodsBetween("2025-11-15", "2026-02-01", "monthly")).toEqual(["2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01"]);
  });

  it("takes the current month and the months before it; 'All' from the first month with data", () => {
    expect(windowMonths("2026-12-03", 3, [])).toEqual(["2026-10-01", "2026-11-01", "2026-12-01"]);
    expect(windowMonths("2026-03-31", 4, [])).toEqual(["2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01"]);
    expect(windowMonths("2026-12-03", undefined, ["2026-11-01T00:00:00.000Z", "2026-09-01T00:00:00.000Z"])).toEqual(["2026-09-01", "2026-10-01", "2026-11-01", "2026-12-01"]);
    expect(windowMonths("2026-12-03", undefined, [])).toEqual([]);
  });

  it("keeps a period without data in the table's periods, with no value", () => {
    const table = pivot([{ period: "2026-10-01", series: "a", value: "1" }], ["2026-10-01", "2026-11-01"], "Total");
    expect(table.periods).toEqual(["2026-10-01", "2026-11-01"]);
    expect([table.value("2026-11-01", "a"), table.periodTotal("2026-11-01")]).toEqual([undefined, "0"]);
    expect(pivot([], ["2026-10-01"], "MRR").series).toEqual(["MRR"]);
  });
});

describe("period over period", () => {
  const table = pivot([
    { period: "2026-10-01", series: "a", value: "10.50" },
    { period: "2026-11-01", series: "a", value: "7" },
    { period: "2026-11-01", series: "b", value: "5.00" },
    { period: "2026-12-01", series: "a", value: "3" },
  ]);

  it("compares the last complete period with the one before, exactly", () => {
    // On 3 Dec, December is not complete: November (7 + 5 = 12) against October (10.50): +1.5, +14.3%
    // (decimal text without trailing zeros, as the page's sums are).
    expect(compareLastPeriods(table, "monthly", "2026-12-03")).toEqual({
      last: "2026-11-01", before: "2026-10-01", lastValue: "12", beforeValue: "10.5", change: "1.5", percent: "14.3",
    });
    // On 1 Jan 2027 December is complete: 3 against 12, -9 (-75%).
    expect(compareLastPeriods(table, "monthly", "2027-01-01")).toMatchObject({ last: "2026-12-01", change: "-9", percent: "-75.0" });
  });

  it("has no percent without a base, and no comparison without two complete periods", () => {
    const fromZero = pivot([{ period: "2026-11-01", series: "a", value: "4" }], ["2026-10-01", "2026-11-01"]);
    expect(compareLastPeriods(fromZero, "monthly", "2026-12-03")).toMatchObject({ beforeValue: "0", change: "4", percent: undefined });
    expect(compareLastPeriods(table, "monthly", "2026-11-15")).toBeUndefined();
  });
});

describe("the currency a page opens on", () => {
  // The organization: 170,000 euros (17,000,000 cents) and a smaller book of 5,800,000 yen
  // (yen have no minor unit: 5.8M in major units, the larger number).
  const rows = [{ currency: "EUR", minor: 17_000_000 }, { currency: "JPY", minor: 5_800_000 }];
  const listed = ["EUR", "JPY", "USD"];

  it("is the organization's default currency when the window has rows in it, else the largest total in major units", () => {
    expect(chosenCurrency({ listed, rows, shown: "", defaultCurrency: "EUR" })).toBe("EUR");
    expect(chosenCurrency({ listed, rows, shown: "", defaultCurrency: null })).toBe("JPY");
    expect(chosenCurrency({ listed, rows, shown: "", defaultCurrency: "GBP" })).toBe("JPY");
    expect(largestCurrency([{ currency: "USD", minor: 150 }, { currency: "EUR", minor: 149 }])).toBe("USD");
  });

  it("keeps a pick (even without rows) and the currency shown while it has rows", () => {
    expect(chosenCurrency({ listed, rows, picked: "USD", shown: "EUR", defaultCurrency: "EUR" })).toBe("USD");
    expect(chosenCurrency({ listed, rows, shown: "JPY", defaultCurrency: "EUR" })).toBe("JPY");
    expect(chosenCurrency({ listed, rows, shown: "USD", defaultCurrency: "EUR" })).toBe("EUR");
    expect(chosenCurrency({ listed: [], rows: [], shown: "" })).toBe("");
  });
});
