// What the usage endpoint answers, as the usage tests ask for it and expect it.
import { expect } from "vitest";
import { getJson } from "./request.ts";

export const PATH = "/api/v1/analytics/usage";

export async function usages(apiKey: string, query: string) {
  const { status, body } = await getJson(`${PATH}${query}`, { apiKey });
  expect(status).toBe(200);
  return body.usages;
}

type Expected = { amount: number; units: string; code?: string; currency?: string; deleted?: boolean };

/** One expected output row: the period's first and last day, then the sums. */
export const row = (organizationId: string, [start, end]: [string, string], e: Expected) => ({
  organization_id: organizationId,
  start_of_period_dt: start,
  end_of_period_dt: end,
  amount_currency: e.currency ?? "USD",
  amount_cents: e.amount,
  billable_metric_code: e.code ?? "api_calls",
  units: e.units,
  is_billable_metric_deleted: e.deleted ?? false,
});

export const MARCH_2025 = "?from_date=2025-03-01&to_date=2025-03-31";
