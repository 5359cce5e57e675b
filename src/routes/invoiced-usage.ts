import { Hono } from "hono";
import * as z from "zod/mini";
import { cachedJson } from "../cache/response-cache.ts";
import type { AppEnv, Database } from "../env.ts";
import { notFound } from "../errors.ts";
import { findBillingEntityIds } from "../queries/billing-entities.ts";
import { readInvoicedUsage } from "../queries/invoiced-usage-rollup.ts";
import { type MonthWindow, monthWindow } from "../time/utc-months.ts";
import { CurrencyParam, IdentifierParam, integerParam } from "../validation/params.ts";
import { parseQuery } from "../validation/query.ts";
import { jsonInteger } from "./json-integer.ts";

export const InvoicedUsageQuerySchema = z.object({
  currency: z.optional(CurrencyParam),
  months: z.optional(integerParam(1, 1200)),
  billing_entity_code: z.optional(IdentifierParam),
});
export type InvoicedUsageQuery = z.infer<typeof InvoicedUsageQuerySchema>;

export const InvoicedUsageResponseSchema = z.object({
  invoiced_usages: z.array(
    z.object({
      month: z.iso.datetime(),
      code: z.nullable(z.string()),
      currency: z.string(),
      amount_cents: z.int(),
    }),
  ),
});
export type InvoicedUsageResponse = z.infer<typeof InvoicedUsageResponseSchema>;

export const invoicedUsageRoute = new Hono<AppEnv>().get("/", async (c) => {
  const query = parseQuery(c.req.url, InvoicedUsageQuerySchema);
  const { db, organizationId } = c.var;
  // The window is resolved before the cache key is built: an entry never outlives its month.
  const window = monthWindow(new Date(), query.months);
  const params = { currency: query.currency, billing_entity_code: query.billing_entity_code, ...window };
  return cachedJson(c, "invoiced_usage", params, () => loadInvoicedUsage(db, organizationId, query, window));
});

async function loadInvoicedUsage(
  db: Database,
  organizationId: string,
  query: InvoicedUsageQuery,
  window: MonthWindow,
): Promise<InvoicedUsageResponse> {
  let billingEntityIds: string[] | undefined;
  if (query.billing_entity_code !== undefined) {
    billingEntityIds = await findBillingEntityIds(db, organizationId, query.billing_entity_code);
    if (billingEntityIds.length === 0) throw notFound("billing_entity");
  }
  const rows = await readInvoicedUsage(db, organizationId, {
    currency: query.currency,
    from: window.from,
    toExclusive: window.toExclusive,
    billingEntityIds,
  });
  return {
    invoiced_usages: rows.map((r) => ({
      month: r.month,
      code: r.code,
      currency: r.currency,
      amount_cents: jsonInteger(r.amountCents),
    })),
  };
}
