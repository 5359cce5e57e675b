import { describe, expect, it } from "vitest";
import { createBillingEntity, createBillingScenario } from "./helpers/factories.ts";
import { callWorker, expectValidationErrors, getJson } from "./helpers/request.ts";

// 401s, methods and unknown routes are checked for every route in routes.security.test.ts.
const PATH = "/api/v1/analytics/invoiced_usage";

describe("invoiced_usage: 422", () => {
  async function expect422(query: string, details: Record<string, string[]>) {
    const s = await createBillingScenario();
    await expectValidationErrors(`${PATH}${query}`, s.org.apiKey, details);
  }


  it.each(["XYZ", "US", "usdollar", "", "€", "USD "])("currency=%j", (value) =>
    expect422(`?currency=${encodeURIComponent(value)}`, { currency: ["value_is_invalid"] }),
  );

  it.each(["0", "1201", "-1", "1.5", "abc", "", "1e2", "+3", " 3", "99999999999999999999"])("months=%j", (value) =>
    expect422(`?months=${encodeURIComponent(value)}`, { months: ["value_is_invalid"] }),
  );

  it("billing_entity_code empty", () => expect422("?billing_entity_code=", { billing_entity_code: ["value_is_invalid"] }));

  it("a parameter given twice", () =>
    expect422("?currency=USD&currency=EUR", { currency: ["value_is_duplicated"] }));

  it("names every bad parameter at once", () =>
    expect422("?currency=XYZ&months=0", { currency: ["value_is_invalid"], months: ["value_is_invalid"] }));

  it("accepts the bounds of months", async () => {
    const s = await createBillingScenario();
    for (const months of ["1", "1200"]) {
      expect((await callWorker(`${PATH}?months=${months}`, { apiKey: s.org.apiKey })).status).toBe(200);
    }
  });
});

describe("invoiced_usage: 404", () => {
  it("an unknown billing_entity_code", async () => {
    const s = await createBillingScenario();
    const { status, body } = await getJson(`${PATH}?billing_entity_code=nope`, { apiKey: s.org.apiKey });
    expect(status).toBe(404);
    expect(body).toEqual({ status: 404, error: "Not Found", code: "billing_entity_not_found" });
  });

  it("a deleted billing entity", async () => {
    const s = await createBillingScenario();
    await createBillingEntity(s.org.id, { code: "gone", deletedAt: "2025-01-01 00:00:00" });
    const { status, body } = await getJson(`${PATH}?billing_entity_code=gone`, { apiKey: s.org.apiKey });
    expect(status).toBe(404);
    expect(body.code).toBe("billing_entity_not_found");
  });
});

describe("invoiced_usage: timezone", () => {
  it.each(["Mars/Olympus_Mons", "Europe/Pariss", "", "+01:00", "UTC+1", "Europe/Paris;DROP", "../etc/passwd", "x".repeat(300)])(
    "timezone=%j is a 422",
    async (value) => {
      const s = await createBillingScenario();
      await expectValidationErrors(`/api/v1/analytics/invoiced_usage?timezone=${encodeURIComponent(value)}`, s.org.apiKey, {
        timezone: ["value_is_invalid"],
      });
    },
  );
});
