import { describe, expect, it } from "vitest";
import { createBillingScenario } from "./helpers/factories.ts";
import { callWorker } from "./helpers/request.ts";

// A metric code is chosen by Lago's customers; opened in a spreadsheet, a cell starting with = + - @
// (or a tab or carriage return) could run as a formula. Such text is prefixed with a single quote.
describe("CSV formula injection", () => {
  it.each([
    ["=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""],
    ["+1+2", "'+1+2"],
    ["-1+2", "'-1+2"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tcalls", "'\tcalls"],
    ["\rcalls", "\"'\rcalls\""],
  ])("a code %j is written as %s", async (code, field) => {
    const s = await createBillingScenario({ code });
    await s.fee(1000, "2025-03-10 08:00:00");
    const response = await callWorker("/api/v1/analytics/invoiced_usage?format=csv", { apiKey: s.org.apiKey });
    const text = await response.text();
    expect(text).toBe(`month,code,currency,amount_cents\r\n2025-03-01T00:00:00.000Z,${field},USD,1000\r\n`);
  });

  it("a plain negative number is data, not a formula: it stays a number", async () => {
    const s = await createBillingScenario({ code: "-12.5" });
    await s.fee(-300, "2025-03-10 08:00:00");
    const text = await (await callWorker("/api/v1/analytics/invoiced_usage?format=csv", { apiKey: s.org.apiKey })).text();
    expect(text).toBe("month,code,currency,amount_cents\r\n2025-03-01T00:00:00.000Z,-12.5,USD,-300\r\n");
  });

  it("another organization's CSV entry is never served: the same URL, two keys, two answers", async () => {
    const a = await createBillingScenario({ code: "alpha" });
    const b = await createBillingScenario({ code: "beta" });
    await a.fee(1000, "2025-03-10 08:00:00");
    await b.fee(2000, "2025-03-10 08:00:00");
    const path = "/api/v1/analytics/invoiced_usage?format=csv";
    const first = await (await callWorker(path, { apiKey: a.org.apiKey })).text();
    const second = await (await callWorker(path, { apiKey: b.org.apiKey })).text();
    expect(first).toContain(",alpha,USD,1000\r\n");
    expect(second).toContain(",beta,USD,2000\r\n");
    expect(second).not.toContain("alpha");
  });
});
