import { Hono } from "hono";
import * as z from "zod/mini";
import { cachedJson } from "../cache/response-cache.ts";
import type { AppEnv, Database } from "../env.ts";
import { readUsage } from "../queries/usage-rollup.ts";
import { TIME_GRANULARITIES, type UsageFilters } from "../queries/usage.ts";
import { daysBefore, todayUtc } from "../time/calendar-dates.ts";
import { DateParam } from "../validation/date-param.ts";
import { BooleanParam, CountryParam, CurrencyParam, IdentifierParam } from "../validation/params.ts";
import { parseQuery } from "../validation/query.ts";
import { jsonInteger } from "./json-integer.ts";

const DEFAULT_WINDOW_DAYS = 30;

export const UsageQuerySchema = z
  .object({
    time_granularity: z._default(z.enum(TIME_GRANULARITIES), "daily"),
    from_date: z.optional(DateParam),
    // Defaulted here, at parse time, so that a from_date after today is rejected like any other
    // from_date after to_date; from_date's own default depends on to_date and is applied below.
    to_date: z._default(DateParam, () => todayUtc()),
    currency: z.optional(CurrencyParam),
    customer_type: z.optional(z.enum(["company", "individual"])),
    external_customer_id: z.optional(IdentifierParam),
    customer_country: z.optional(CountryParam),
    external_subscription_id: z.optional(IdentifierParam),
    plan_code: z.optional(IdentifierParam),
    billable_metric_code: z.optional(IdentifierParam),
    is_billable_metric_recurring: z.optional(BooleanParam),
  })
  .check(
    z.refine((q) => q.from_date === undefined || q.from_date <= q.to_date, {
      path: ["from_date"],
      error: "value_is_invalid",
    }),
  );
export type UsageQuery = z.infer<typeof UsageQuerySchema>;

export const UsageResponseSchema = z.object({
  usages: z.array(
    z.object({
      organization_id: z.uuid(),
      start_of_period_dt: z.iso.date(),
      end_of_period_dt: z.iso.date(),
      amount_currency: z.nullable(z.string()),
      amount_cents: z.int(),
      billable_metric_code: z.nullable(z.string()),
      units: z.string(),
      is_billable_metric_deleted: z.boolean(),
    }),
  ),
});
export type UsageResponse = z.infer<typeof UsageResponseSchema>;

export const usageRoute = new Hono<AppEnv>().get("/", async (c) => {
  const query = parseQuery(c.req.url, UsageQuerySchema);
  const { db, organizationId } = c.var;
  // Exactly what the query receives, defaults resolved: it is also the cache key's parameters.
  const filters: UsageFilters = {
    timeGranularity: query.time_granularity,
    fromDate: query.from_date ?? daysBefore(query.to_date, DEFAULT_WINDOW_DAYS),
    toDate: query.to_date,
    currency: query.currency,
    customerType: query.customer_type,
    externalCustomerId: query.external_customer_id,
    customerCountry: query.customer_country,
    externalSubscriptionId: query.external_subscription_id,
    planCode: query.plan_code,
    billableMetricCode: query.billable_metric_code,
    isBillableMetricRecurring: query.is_billable_metric_recurring,
  };
  return cachedJson(c, "usage", filters, () => loadUsage(db, organizationId, filters));
});

async function loadUsage(db: Database, organizationId: string, filters: UsageFilters): Promise<UsageResponse> {
  const rows = await readUsage(db, organizationId, filters);
  return {
    usages: rows.map((r) => ({
      organization_id: organizationId,
      start_of_period_dt: r.start_of_period_dt,
      end_of_period_dt: r.end_of_period_dt,
      amount_currency: r.amount_currency,
      amount_cents: jsonInteger(r.amount_cents),
      billable_metric_code: r.billable_metric_code,
      units: r.units,
      is_billable_metric_deleted: r.is_billable_metric_deleted,
    })),
  };
}
