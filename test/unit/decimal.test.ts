import { describe, expect, it } from "vitest";
import { addDecimals, minorToMajor } from "../../src/decimal.ts";

// The dashboard shows the API's integers and decimal strings exactly: no float on the way.
describe("the dashboard's decimal text arithmetic", () => {
  it("adds decimal strings exactly", () => {
    expect(addDecimals(["0.1", "0.2"])).toBe("0.3");
    expect(addDecimals(["3.50", "1.5"])).toBe("5");
    expect(addDecimals(["-1.25", "0.25"])).toBe("-1");
    expect(addDecimals(["9007199254740993", "1"])).toBe("9007199254740994");
    expect(addDecimals([])).toBe("0");
  });

  it("moves minor units to major units by the currency's digits", () => {
    expect(minorToMajor(12345, 2)).toBe("123.45");
    expect(minorToMajor(5, 2)).toBe("0.05");
    expect(minorToMajor(-5, 2)).toBe("-0.05");
    expect(minorToMajor(1200, 0)).toBe("1200");
    expect(minorToMajor("123456789012345678", 3)).toBe("123456789012345.678");
  });
});
