import { describe, expect, it } from "vitest";
import { COUNTRIES, CURRENCIES } from "../../src/validation/lago-enums.ts";
import { CountryParam, CurrencyParam } from "../../src/validation/params.ts";

// The lists are Lago's Currency and Country enums; a stray quote or space copied from Lago's YAML
// (Norway was once `'NO'`) would make a real code unusable.
describe("Lago's currency and country lists", () => {
  it("hold ISO codes only: three upper-case letters per currency, two per country, no repeats", () => {
    for (const code of CURRENCIES) expect(code).toMatch(/^[A-Z]{3}$/);
    for (const code of COUNTRIES) expect(code).toMatch(/^[A-Z]{2}$/);
    expect(new Set(CURRENCIES).size).toBe(CURRENCIES.length);
    expect(new Set(COUNTRIES).size).toBe(COUNTRIES.length);
  });

  it("are Lago's lists, by size (138 currencies, 249 countries)", () => {
    expect(CURRENCIES.length).toBe(138);
    expect(COUNTRIES.length).toBe(249);
  });

  it("accept Norway and its krone in any case", () => {
    expect(CountryParam.parse("NO")).toBe("NO");
    expect(CountryParam.parse("no")).toBe("NO");
    expect(CurrencyParam.parse("NOK")).toBe("NOK");
    expect(CurrencyParam.parse("nok")).toBe("NOK");
  });

  it("refuse what is not on them", () => {
    expect(CountryParam.safeParse("'NO'").success).toBe(false);
    expect(CountryParam.safeParse("XX").success).toBe(false);
    expect(CurrencyParam.safeParse("XXX").success).toBe(false);
  });
});
