import { describe, expect, it } from "vitest";
import { defineEndpoint, loggedParamsOf, rollupCanServe } from "../../src/endpoint.ts";
import { ENDPOINTS } from "../../src/endpoints.ts";
import { invoicedUsageEndpoint } from "../../src/routes/invoiced-usage.ts";
import { usageEndpoint } from "../../src/routes/usage.ts";

describe("endpoint descriptors", () => {
  it("have unique paths, operationIds and cache routes", () => {
    for (const field of ["path", "operationId"] as const) {
      expect(new Set(ENDPOINTS.map((e) => e[field])).size).toBe(ENDPOINTS.length);
    }
    expect(new Set(ENDPOINTS.map((e) => e.cache.route)).size).toBe(ENDPOINTS.length);
  });

  it("describe every query parameter, and log and roll up only parameters that exist", () => {
    for (const e of ENDPOINTS) {
      const names = Object.keys(e.query.shape).sort();
      expect(Object.keys(e.parameterDescriptions).sort()).toEqual(names);
      for (const name of [...loggedParamsOf(e), ...e.rollupParams]) expect(names).toContain(name);
    }
  });
});

describe("the request log's parameters", () => {
  it("are every query parameter unless the descriptor narrows them", () => {
    expect(loggedParamsOf(usageEndpoint)).toEqual(Object.keys(usageEndpoint.query.shape));
    expect(loggedParamsOf(invoicedUsageEndpoint)).toEqual(["currency", "months", "billing_entity_code", "timezone"]);
    const narrowed = defineEndpoint({ ...invoicedUsageEndpoint, loggedParams: ["months"] });
    expect(loggedParamsOf(narrowed)).toEqual(["months"]);
  });
});

describe("the rollup allowlist", () => {
  const usageQuery = { time_granularity: "daily", to_date: "2025-03-31" } as const;

  it("lets the rollup answer with only the parameters it keeps", () => {
    expect(rollupCanServe(usageEndpoint, { ...usageQuery, currency: "USD", billable_metric_code: "seats" } as never)).toBe(true);
    expect(rollupCanServe(invoicedUsageEndpoint, { currency: "EUR", months: 3, billing_entity_code: "eu" } as never)).toBe(true);
  });

  it.each(["customer_type", "external_customer_id", "customer_country", "external_subscription_id", "plan_code"])(
    "sends usage filtered by %s to Lago's tables",
    (name) => {
      expect(rollupCanServe(usageEndpoint, { ...usageQuery, [name]: "x" } as never)).toBe(false);
    },
  );

  it("sends a parameter nobody listed to Lago's tables (a new filter is never silently dropped)", () => {
    expect(rollupCanServe(usageEndpoint, { ...usageQuery, brand_new_filter: "x" } as never)).toBe(false);
  });

  it("ignores parameters without a value", () => {
    expect(rollupCanServe(usageEndpoint, { ...usageQuery, plan_code: undefined } as never)).toBe(true);
  });
});
