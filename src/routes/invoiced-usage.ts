import * as z from "zod/mini";
import { defineEndpoint } from "../endpoint.ts";
import type { InvoicedUsageRow } from "../queries/invoiced-usage.ts";
import { readInvoicedUsage } from "../queries/invoiced-usage-rollup.ts";
import { canonicalZone } from "../time/zones.ts";
import { type Currency, CurrencyParam, CurrencySchema, IdentifierParam, integerParam, TimeZoneParam } from "../validation/params.ts";
import { jsonInteger } from "./json-integer.ts";
import { answerMonthWindow, BILLING_ENTITY_NOT_FOUND, CURRENCY_DESCRIPTION } from "./month-window.ts";

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
    currency: CURRENCY_DESCRIPTION,
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
  notFound: BILLING_ENTITY_NOT_FOUND,
  cache: { route: "invoiced_usage", defaultTtl: 600 },
  rollupParams: ["currency", "months", "billing_entity_code", "timezone"],
  handle: (c, query, useRollup) => {
    const zone = query.timezone === "organization" ? (canonicalZone(c.var.organizationTimeZone) ?? "UTC") : (query.timezone ?? "UTC");
    return answerMonthWindow(c, query, useRollup, readInvoicedUsage, render, zone);
  },
});

const render = (rows: InvoicedUsageRow[]): InvoicedUsageResponse => ({
  invoiced_usages: rows.map((r) => ({
    month: r.month,
    ...(r.code === null ? {} : { code: r.code }),
    // fees.amount_currency holds one of Lago's currency codes (Lago validates it on write).
    currency: r.currency as Currency,
    amount_cents: jsonInteger(r.amountCents),
  })),
});
