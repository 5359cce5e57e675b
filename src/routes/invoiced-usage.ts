import { Hono } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../env.ts";
import { notFound } from "../errors.ts";
import { findBillingEntityIds } from "../queries/billing-entities.ts";
import { invoicedUsage } from "../queries/invoiced-usage.ts";
import { monthWindow } from "../time/utc-months.ts";
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
  let billingEntityIds: string[] | undefined;
  if (query.billing_entity_code !== undefined) {
    billingEntityIds = await findBillingEntityIds(db, organizationId, query.billing_entity_code);
    if (billingEntityIds.length === 0) throw notFound("billing_entity");
  }
  const window = monthWindow(new Date(), query.months);
  const rows = await invoicedUsage(db, organizationId, {
    currency: query.currency,
    from: window.from,
    toExclusive: window.toExclusive,
    billingEntityIds,
  });
  return c.json<InvoicedUsageResponse>({
    invoiced_usages: rows.map((r) => ({
      month: r.month,
      code: r.code,
      currency: r.currency,
      amount_cents: jsonInteger(r.amountCents),
    })),
  });
});
