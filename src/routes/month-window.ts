import type { Context } from "hono";
import * as z from "zod/mini";
import type { Loaded } from "../cache/entry.ts";
import { cachedAnswer } from "../cache/response-cache.ts";
import type { AppEnv } from "../endpoint.ts";
import type { Database } from "../env.ts";
import { notFound } from "../errors.ts";
import { findBillingEntityIds } from "../queries/billing-entities.ts";
import type { Read } from "../queries/rollup-status.ts";
import type { RevenueFilters } from "../queries/revenue-window.ts";
import { monthWindow } from "../time/utc-months.ts";
import { CurrencyParam, IdentifierParam, integerParam } from "../validation/params.ts";

// What the month-window endpoints (invoiced_usage, gross_revenue, invoice_collection, mrr,
// overdue_balance) share: Lago's parameters, their descriptions, and the one way a request becomes
// filters (window, billing entity and its 404) and a cached answer.

export const CURRENCY_DESCRIPTION = "ISO 4217 code from Lago's Currency list, any letter case. Without it, every currency has its own rows.";
export const BILLING_ENTITY_DESCRIPTION = "Only this billing entity's rows (archived entities too). Unknown code: 404 billing_entity_not_found.";

export const RevenueQueryShape = {
  currency: z.optional(CurrencyParam),
  months: z.optional(integerParam(1, 1200)),
  billing_entity_code: z.optional(IdentifierParam),
};
/** gross_revenue and overdue_balance also take a customer; the other two ignore the parameter, as Lago does. */
export const CustomerQueryShape = { ...RevenueQueryShape, external_customer_id: z.optional(IdentifierParam) };

export const REVENUE_PARAMETER_DESCRIPTIONS = {
  currency: CURRENCY_DESCRIPTION,
  months: "The current UTC month and the months - 1 before it. Without it, every month since the organization's creation month.",
  billing_entity_code: BILLING_ENTITY_DESCRIPTION,
};
export const CUSTOMER_PARAMETER_DESCRIPTIONS = {
  ...REVENUE_PARAMETER_DESCRIPTIONS,
  external_customer_id: "Only this customer's rows (customers.external_id). An unknown customer gives an empty list.",
};

export const BILLING_ENTITY_NOT_FOUND = "Unknown billing_entity_code (code billing_entity_not_found)";

type MonthWindowQuery = {
  currency?: string | undefined; months?: number | undefined; billing_entity_code?: string | undefined;
  external_customer_id?: string | undefined;
};

/** What a month-window endpoint's reader is given: the window, the currency, billing entities, customer, zone. */
export type WindowFilters = RevenueFilters & { timeZone: string | undefined };

type Reader<Row> = (db: Database, organizationId: string, filters: WindowFilters, useRollup: boolean) => Promise<Read<Row>>;

/**
 * The endpoint's cached answer for `query`: the window (calendar months in `zone`, UTC unless said)
 * is fixed before the cache key is built (an entry never outlives its month), then `read` runs on
 * the filters once the billing entity is known (an unknown code is a 404, cached like any answer),
 * and `render` shapes its rows as the endpoint answers.
 */
export function answerMonthWindow<Row>(
  c: Context<AppEnv>, query: MonthWindowQuery, useRollup: boolean, read: Reader<Row>, render: (rows: Row[]) => unknown, zone = "UTC",
) {
  const { db, organizationId } = c.var;
  const window = monthWindow(new Date(), query.months, zone);
  const timeZone = zone === "UTC" ? undefined : zone;
  const params = {
    currency: query.currency,
    billing_entity_code: query.billing_entity_code,
    external_customer_id: query.external_customer_id,
    timezone: timeZone,
    ...window,
  };
  return cachedAnswer(c, params, async (): Promise<Loaded> => {
    let billingEntityIds: string[] | undefined;
    if (query.billing_entity_code !== undefined) {
      billingEntityIds = await findBillingEntityIds(db, organizationId, query.billing_entity_code);
      if (billingEntityIds.length === 0) throw notFound("billing_entity");
    }
    const filters = { currency: query.currency, billingEntityIds, externalCustomerId: query.external_customer_id, timeZone, ...window };
    const { rows, dataAt } = await read(db, organizationId, filters, useRollup);
    return { value: render(rows), dataAt };
  });
}
