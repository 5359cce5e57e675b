// How the usage rollup splits a window: whole periods from their own rows, cut periods from day rows.
// (2025-03-03, 03-10, 03-17, 03-24 and 03-31 are Mondays; 2024 is a leap year.)
import { describe, expect, it } from "vitest";
import { coverage } from "../../src/queries/usage-rollup.ts";

describe("usage rollup coverage", () => {
  it("reads a daily window from day rows only", () => {
    expect(coverage("daily", "2025-03-05", "2025-03-09")).toEqual({ whole: ["2025-03-05", "2025-03-09"], days: [] });
  });

  it("reads whole months from month rows and the cut ends from day rows", () => {
    expect(coverage("monthly", "2025-03-01", "2025-05-31")).toEqual({ whole: ["2025-03-01", "2025-05-01"], days: [] });
    expect(coverage("monthly", "2025-03-15", "2025-05-10")).toEqual({
      whole: ["2025-04-01", "2025-04-01"], days: [["2025-03-15", "2025-03-31"], ["2025-05-01", "2025-05-10"]],
    });
    expect(coverage("monthly", "2025-03-15", "2025-03-20")).toEqual({ whole: undefined, days: [["2025-03-15", "2025-03-20"]] });
  });

  it("knows where February ends", () => {
    expect(coverage("monthly", "2025-02-01", "2025-02-28")).toEqual({ whole: ["2025-02-01", "2025-02-01"], days: [] });
    expect(coverage("monthly", "2024-02-01", "2024-02-28")).toEqual({ whole: undefined, days: [["2024-02-01", "2024-02-28"]] });
  });

  it("cuts ISO weeks at Monday and Sunday, across a year's end too", () => {
    expect(coverage("weekly", "2025-03-11", "2025-03-31")).toEqual({
      whole: ["2025-03-17", "2025-03-24"], days: [["2025-03-11", "2025-03-16"], ["2025-03-31", "2025-03-31"]],
    });
    expect(coverage("weekly", "2024-12-30", "2025-01-05")).toEqual({ whole: ["2024-12-30", "2024-12-30"], days: [] });
  });

  it("stays within years 1 to 9999", () => {
    expect(coverage("monthly", "9999-12-15", "9999-12-31")).toEqual({ whole: undefined, days: [["9999-12-15", "9999-12-31"]] });
    expect(coverage("monthly", "0001-01-01", "0001-01-31")).toEqual({ whole: ["0001-01-01", "0001-01-01"], days: [] });
    expect(coverage("weekly", "0001-01-01", "0001-01-03")).toEqual({ whole: undefined, days: [["0001-01-01", "0001-01-03"]] });
  });
});
