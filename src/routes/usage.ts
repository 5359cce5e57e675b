import * as z from "zod/mini";
import type { Loaded } from "../cache/entry.ts";
import { cachedAnswer } from "../cache/response-cache.ts";
import { defineEndpoint } from "../endpoint.ts";
import type { Database } from "../env.ts";
import { readUsage } from "../queries/usage-rollup.ts";
import { TIME_GRANULARITIES, type UsageFilters } from "../queries/usage.ts";
import { daysBefore, todayUtc } from "../time/calendar-dates.ts";
import { DateParam } from "../validation/date-param.ts";
import { BooleanParam, computedDefault, CountryParam, CurrencyParam, type Currency, CurrencySchema, IdentifierParam } from "../validation/params.ts";
import { jsonInteger } from "./json-integer.ts";
import { CURRENCY_DESCRIPTION } from "./month-window.ts";

const DEFAULT_WINDOW_DAYS = 30;

export const UsageQuerySchema = z
  .object({
    time_granularity: z._default(z.enum(TIME_GRANULARITIES), "daily"),
    from_date: z.optional(DateParam),
    // Defaulted here, at parse time, so that a from_date after today is rejected like any other
    // from_date after to_date; from_date's own default depends on to_date and is applied below.
    to_date: computedDefault(DateParam, () => todayUtc()),
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

export const UsageObjectSchema = z.object({
  organization_id: z.uuid(),
  start_of_period_dt: z.iso.date(),
  end_of_period_dt: z.iso.date(),
  amount_currency: CurrencySchema,
  amount_cents: z.int(),
  // Absent only for a record without a metric code, which Lago never writes.
  billable_metric_code: z.optional(z.string()),
  units: z.string(),
  is_billable_metric_deleted: z.boolean(),
});
export const UsageResponseSchema = z.object({ usages: z.array(UsageObjectSchema) });
export type UsageResponse = z.infer<typeof UsageResponseSchema>;

export const usageEndpoint = defineEndpoint({
  path: "/api/v1/analytics/usage",
  operationId: "findAllUsages",
  summary: "Usage units and amounts per day, ISO week or month",
  query: UsageQuerySchema,
  parameterDescriptions: {
    time_granularity: "daily (the default), weekly (ISO weeks, Monday to Sunday) or monthly (calendar months).",
    from_date: "First usage_date counted, YYYY-MM-DD. Default: 30 days before to_date.",
    to_date: "Last usage_date counted, YYYY-MM-DD. Default: today in UTC.",
    currency: CURRENCY_DESCRIPTION,
    customer_type: "company or individual.",
    external_customer_id: "The customer's external_id.",
    customer_country: "ISO 3166-1 alpha-2 country of the customer, any letter case.",
    external_subscription_id: "The subscription's external_id.",
    plan_code: "Code of the subscription's plan.",
    billable_metric_code: "Code of the billable metric.",
    is_billable_metric_recurring: "true or false (any letter case, or 1 / 0): whether the record's billable metric is recurring.",
  },
  response: { name: "Usages", schema: UsageResponseSchema, list: { key: "usages", name: "UsageObject", item: UsageObjectSchema } },
  cache: { route: "usage", defaultTtl: 300 },
  // Customer, subscription and plan filters always read daily_usages: keeping those dimensions
  // would make the rollup as large as the table it summarises.
  rollupParams: ["time_granularity", "from_date", "to_date", "currency", "billable_metric_code", "is_billable_metric_recurring"],
  handle: (c, query, useRollup) => {
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
    return cachedAnswer(c, filters, () => loadUsage(db, organizationId, filters, useRollup));
  },
});

async function loadUsage(
  db: Database,
  organizationId: string,
  filters: UsageFilters,
  useRollup: boolean,
): Promise<Loaded & { value: UsageResponse }> {
  const { rows, dataAt } = await readUsage(db, organizationId, filters, useRollup);
  const value = {
    usages: rows.map((r) => ({
      organization_id: organizationId,
      start_of_period_dt: r.start_of_period_dt,
      end_of_period_dt: r.end_of_period_dt,
      // Lago writes every usage record with its charge's currency, one of its Currency codes.
      amount_currency: r.amount_currency as Currency,
      amount_cents: jsonInteger(r.amount_cents),
      ...(r.billable_metric_code === null ? {} : { billable_metric_code: r.billable_metric_code }),
      units: r.units,
      is_billable_metric_deleted: r.is_billable_metric_deleted,
    })),
  };
  return { value, dataAt };
}
