import * as z from "zod/mini";
import type { Loaded } from "../cache/entry.ts";
import { cachedAnswer } from "../cache/response-cache.ts";
import { defineEndpoint } from "../endpoint.ts";
import type { Database } from "../env.ts";
import { notFound } from "../errors.ts";
import { findBillingEntityIds } from "../queries/billing-entities.ts";
import { readInvoicedUsage } from "../queries/invoiced-usage-rollup.ts";
import { type MonthWindow, monthWindow } from "../time/utc-months.ts";
import { canonicalZone } from "../time/zones.ts";
import { type Currency, CurrencyParam, CurrencySchema, IdentifierParam, integerParam, TimeZoneParam } from "../validation/params.ts";
import { jsonInteger } from "./json-integer.ts";

export const InvoicedUsageQuerySchema = z.object({
  currency: z.optional(CurrencyParam),
  months: z.optional(integerParam(1, 1200)),
  billing_entity_code: z.optional(IdentifierParam),
  timezone: z.optional(TimeZoneParam),
});
export type InvoicedUsageQuery = z.infer<typeof InvoicedUsageQuerySchema>;

export const InvoicedUsageObjectSchema = z.object({
  month: z.iso.datetime(),
  // Absent only if a fee's charge or metric row were missing, which Lago's foreign keys prevent.
  code: z.optional(z.string()),
  currency: CurrencySchema,
  amount_cents: z.int(),
});
export const InvoicedUsageResponseSchema = z.object({ invoiced_usages: z.array(InvoicedUsageObjectSchema) });
export type InvoicedUsageResponse = z.infer<typeof InvoicedUsageResponseSchema>;

export const invoicedUsageEndpoint = defineEndpoint({
  path: "/api/v1/analytics/invoiced_usage",
  operationId: "findAllInvoicedUsages",
  summary: "Monthly revenue of invoiced usage-based fees per metric code and currency",
  query: InvoicedUsageQuerySchema,
  parameterDescriptions: {
    currency: "ISO 4217 code from Lago's Currency list, any letter case. Without it, every currency has its own rows.",
    months:
      "The current month (in timezone) and the months - 1 before it. Without it, every month since the organization's creation month.",
    billing_entity_code: "Only invoices of this billing entity. Unknown code: 404 billing_entity_not_found.",
    timezone:
      "IANA time zone whose calendar months group the fees (Europe/Paris, Asia/Kolkata…), or organization for the organization's own timezone. Default UTC. Each month is given as its first instant in that zone, with the zone's offset then.",
  },
  response: {
    name: "InvoicedUsages",
    schema: InvoicedUsageResponseSchema,
    list: { key: "invoiced_usages", name: "InvoicedUsageObject", item: InvoicedUsageObjectSchema },
  },
  notFound: "Unknown billing_entity_code (code billing_entity_not_found)",
  cache: { route: "invoiced_usage", defaultTtl: 600 },
  loggedParams: ["currency", "months", "billing_entity_code", "timezone"],
  rollupParams: ["currency", "months", "billing_entity_code", "timezone"],
  handle: (c, query, useRollup) => {
    const { db, organizationId } = c.var;
    const zone = query.timezone === "organization" ? (canonicalZone(c.var.organizationTimeZone) ?? "UTC") : (query.timezone ?? "UTC");
    // The window is resolved before the cache key is built: an entry never outlives its month.
    const window = monthWindow(new Date(), query.months, zone);
    const timeZone = zone === "UTC" ? undefined : zone;
    const params = { currency: query.currency, billing_entity_code: query.billing_entity_code, timezone: timeZone, ...window };
    return cachedAnswer(c, params, () => loadInvoicedUsage(db, organizationId, query, { ...window, timeZone }, useRollup));
  },
});

async function loadInvoicedUsage(
  db: Database,
  organizationId: string,
  query: InvoicedUsageQuery,
  window: MonthWindow & { timeZone: string | undefined },
  useRollup: boolean,
): Promise<Loaded & { value: InvoicedUsageResponse }> {
  let billingEntityIds: string[] | undefined;
  if (query.billing_entity_code !== undefined) {
    billingEntityIds = await findBillingEntityIds(db, organizationId, query.billing_entity_code);
    if (billingEntityIds.length === 0) throw notFound("billing_entity");
  }
  const filters = { currency: query.currency, timeZone: window.timeZone, from: window.from, toExclusive: window.toExclusive, billingEntityIds };
  const { rows, dataAt } = await readInvoicedUsage(db, organizationId, filters, useRollup);
  const value = {
    invoiced_usages: rows.map((r) => ({
      month: r.month,
      ...(r.code === null ? {} : { code: r.code }),
      // fees.amount_currency holds one of Lago's currency codes (Lago validates it on write).
      currency: r.currency as Currency,
      amount_cents: jsonInteger(r.amountCents),
    })),
  };
  return { value, dataAt };
}
