import { describe, expect, it } from "vitest";
import { createOrganization } from "./helpers/factories.ts";
import { expectValidationErrors, getJson } from "./helpers/request.ts";

// 401s, methods and unknown routes are checked for every route in routes.security.test.ts.
const PATH = "/api/v1/analytics/usage";

describe("usage: 422", () => {
  async function expect422(query: string, details: Record<string, string[]>) {
    const org = await createOrganization();
    await expectValidationErrors(`${PATH}${query}`, org.apiKey, details);
  }

  const q = (name: string, value: string) => `?${name}=${encodeURIComponent(value)}`;

  it.each(["yearly", "hourly", "Daily", "WEEKLY", "", " daily"])("time_granularity=%j", (value) =>
    expect422(q("time_granularity", value), { time_granularity: ["value_is_invalid"] }),
  );

  const BAD_DATES = [
    "2026-02-30", // not in the calendar
    "2027-02-29", // not a leap year
    "2026-13-01",
    "2026-00-10",
    "2026-01-00",
    "2026-1-5",
    "20260105",
    "2026/01/05",
    "2026-01-05T00:00:00Z",
    " 2026-01-05",
    "0000-01-01", // PostgreSQL has no year 0
    "",
    "today",
  ];
  it.each(BAD_DATES)("from_date=%j", (value) => expect422(q("from_date", value), { from_date: ["invalid_date"] }));
  it.each(BAD_DATES)("to_date=%j", (value) => expect422(q("to_date", value), { to_date: ["invalid_date"] }));

  it("from_date after to_date is invalid on from_date", () =>
    expect422("?from_date=2025-03-02&to_date=2025-03-01", { from_date: ["value_is_invalid"] }));

  it("from_date after today, without to_date, is invalid on from_date", () =>
    expect422("?from_date=2999-01-01", { from_date: ["value_is_invalid"] }));

  it("an impossible from_date is only invalid_date, not also after to_date", () =>
    expect422("?from_date=2026-02-30&to_date=2025-01-01", { from_date: ["invalid_date"] }));

  it.each(["XYZ", "US", "", "usd "])("currency=%j", (value) =>
    expect422(q("currency", value), { currency: ["value_is_invalid"] }),
  );

  it.each(["person", "Company", "INDIVIDUAL", ""])("customer_type=%j", (value) =>
    expect422(q("customer_type", value), { customer_type: ["value_is_invalid"] }),
  );

  it.each(["XX", "FRA", "F", "", "fr "])("customer_country=%j", (value) =>
    expect422(q("customer_country", value), { customer_country: ["value_is_invalid"] }),
  );

  it.each(["yes", "no", "t", "f", "2", "01", "truee", " true", "true ", ""])("is_billable_metric_recurring=%j", (value) =>
    expect422(q("is_billable_metric_recurring", value), { is_billable_metric_recurring: ["value_is_invalid"] }),
  );

  it.each(["external_customer_id", "external_subscription_id", "plan_code", "billable_metric_code"])(
    "%s empty",
    (name) => expect422(`?${name}=`, { [name]: ["value_is_invalid"] }),
  );

  it("a parameter given twice", () =>
    expect422("?from_date=2025-03-01&from_date=2025-03-02", { from_date: ["value_is_duplicated"] }));

  it("names every bad parameter at once", () =>
    expect422("?time_granularity=yearly&to_date=2026-1-5&customer_type=x", {
      time_granularity: ["value_is_invalid"],
      to_date: ["invalid_date"],
      customer_type: ["value_is_invalid"],
    }));

  it("accepts every valid value", async () => {
    const org = await createOrganization();
    const queries = [
      "?time_granularity=daily",
      "?time_granularity=weekly",
      "?time_granularity=monthly",
      "?from_date=2028-02-29&to_date=2028-02-29",
      "?customer_type=company&customer_country=fr&currency=usd",
      "?customer_type=individual&is_billable_metric_recurring=false",
      "?is_billable_metric_recurring=true&external_customer_id=a&external_subscription_id=b&plan_code=c&billable_metric_code=d",
    ];
    for (const query of queries) {
      const { status, body } = await getJson(`${PATH}${query}`, { apiKey: org.apiKey });
      expect({ query, status, body }).toEqual({ query, status: 200, body: { usages: [] } });
    }
  });
});
