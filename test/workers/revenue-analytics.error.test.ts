import { describe, expect, it } from "vitest";
import { createBillingEntity } from "./helpers/factories.ts";
import { callWorker, expectValidationErrors, getJson } from "./helpers/request.ts";
import { createRevenueScenario } from "./helpers/revenue-factories.ts";

// The rules gross_revenue, invoice_collection, mrr and overdue_balance share; 401s, methods and
// unknown routes are checked for every route in routes.security.test.ts.
const ENDPOINTS = [
  { path: "/api/v1/analytics/gross_revenue", takesCustomer: true },
  { path: "/api/v1/analytics/invoice_collection", takesCustomer: false },
  { path: "/api/v1/analytics/mrr", takesCustomer: false },
  { path: "/api/v1/analytics/overdue_balance", takesCustomer: true },
];

describe.each(ENDPOINTS)("$path", ({ path, takesCustomer }) => {
  async function expect422(query: string, details: Record<string, string[]>) {
    const s = await createRevenueScenario();
    await expectValidationErrors(`${path}${query}`, s.org.apiKey, details);
  }

  it.each(["XYZ", "usdollar", "", "USD "])("currency=%j is a 422", (value) =>
    expect422(`?currency=${encodeURIComponent(value)}`, { currency: ["value_is_invalid"] }),
  );

  it.each(["0", "1201", "-1", "1.5", "abc", ""])("months=%j is a 422", (value) =>
    expect422(`?months=${encodeURIComponent(value)}`, { months: ["value_is_invalid"] }),
  );

  it("an empty billing_entity_code is a 422", () => expect422("?billing_entity_code=", { billing_entity_code: ["value_is_invalid"] }));

  it("a parameter given twice is a 422; every bad parameter is named at once", async () => {
    await expect422("?months=3&months=4", { months: ["value_is_duplicated"] });
    await expect422("?currency=XYZ&months=0", { currency: ["value_is_invalid"], months: ["value_is_invalid"] });
  });

  it("accepts the bounds of months", async () => {
    const s = await createRevenueScenario();
    for (const months of ["1", "1200"]) expect((await callWorker(`${path}?months=${months}`, { apiKey: s.org.apiKey })).status).toBe(200);
  });

  it("an unknown or deleted billing_entity_code is a 404; an archived one answers", async () => {
    const s = await createRevenueScenario();
    await createBillingEntity(s.org.id, { code: "gone", deletedAt: "2025-01-01 00:00:00" });
    await createBillingEntity(s.org.id, { code: "old", archivedAt: "2025-01-01 00:00:00" });
    for (const code of ["nope", "gone"]) {
      const { status, body } = await getJson(`${path}?billing_entity_code=${code}`, { apiKey: s.org.apiKey });
      expect(status).toBe(404);
      expect(body).toEqual({ status: 404, error: "Not Found", code: "billing_entity_not_found" });
    }
    expect((await callWorker(`${path}?billing_entity_code=old`, { apiKey: s.org.apiKey })).status).toBe(200);
  });

  it("checks parameters before the billing entity: a bad one with an unknown entity is a 422", () =>
    expect422("?months=0&billing_entity_code=nope", { months: ["value_is_invalid"] }));

  it(takesCustomer ? "an empty or repeated external_customer_id is a 422" : "external_customer_id is not a parameter: ignored, even empty or repeated", async () => {
    const s = await createRevenueScenario();
    for (const query of ["?external_customer_id=", "?external_customer_id=a&external_customer_id=b"]) {
      const response = await callWorker(`${path}${query}`, { apiKey: s.org.apiKey });
      expect(response.status).toBe(takesCustomer ? 422 : 200);
    }
    if (takesCustomer) {
      await expect422("?external_customer_id=", { external_customer_id: ["value_is_invalid"] });
      await expect422("?external_customer_id=a&external_customer_id=b", { external_customer_id: ["value_is_duplicated"] });
    }
  });
});
