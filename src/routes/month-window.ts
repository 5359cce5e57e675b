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

// What gross_revenue, invoice_collection, mrr and overdue_balance share: Lago's parameters, their
// descriptions, and the way a request becomes filters (window, billing entity) and a cached answer.

export const RevenueQueryShape = {
  currency: z.optional(CurrencyParam),
  months: z.optional(integerParam(1, 1200)),
  billing_entity_code: z.optional(IdentifierParam),
};
/** gross_revenue and overdue_balance also take a customer; the other two ignore the parameter, as Lago does. */
export const CustomerQueryShape = { ...RevenueQueryShape, external_customer_id: z.optional(IdentifierParam) };

export const REVENUE_PARAMETER_DESCRIPTIONS = {
  currency: "ISO 4217 code from Lago's Currency list, any letter case. Without it, every currency has its own rows.",
  months: "The current UTC month and the months - 1 before it. Without it, every month since the organization's creation month.",
  billing_entity_code: "Only this billing entity's rows (archived entities too). Unknown code: 404 billing_entity_not_found.",
};
export const CUSTOMER_PARAMETER_DESCRIPTIONS = {
  ...REVENUE_PARAMETER_DESCRIPTIONS,
  external_customer_id: "Only this customer's rows (customers.external_id). An unknown customer gives an empty list.",
};

export const BILLING_ENTITY_NOT_FOUND = "Unknown billing_entity_code (code billing_entity_not_found)";

type RevenueQuery = { currency?: string | undefined; months?: number | undefined; billing_entity_code?: string | undefined; external_customer_id?: string | undefined };

type Reader<Row> = (db: Database, organizationId: string, filters: RevenueFilters, useRollup: boolean) => Promise<Read<Row>>;

/**
 * The endpoint's cached answer for `query`: the window is fixed before the cache key is built (an
 * entry never outlives its month), then `read` runs on the filters once the billing entity is known,
 * and `render` shapes its rows as the endpoint answers.
 */
export function answerRevenue<Row>(c: Context<AppEnv>, query: RevenueQuery, useRollup: boolean, read: Reader<Row>, render: (rows: Row[]) => unknown) {
  const { db, organizationId } = c.var;
  const window = monthWindow(new Date(), query.months);
  const params = {
    currency: query.currency,
    billing_entity_code: query.billing_entity_code,
    external_customer_id: query.external_customer_id,
    ...window,
  };
  return cachedAnswer(c, params, async (): Promise<Loaded> => {
    let billingEntityIds: string[] | undefined;
    if (query.billing_entity_code !== undefined) {
      billingEntityIds = await findBillingEntityIds(db, organizationId, query.billing_entity_code);
      if (billingEntityIds.length === 0) throw notFound("billing_entity");
    }
    const filters = { currency: query.currency, billingEntityIds, externalCustomerId: query.external_customer_id, ...window };
    const { rows, dataAt } = await read(db, organizationId, filters, useRollup);
    return { value: render(rows), dataAt };
  });
}
