import * as z from "zod/mini";
import { defineEndpoint } from "../endpoint.ts";
import { readGrossRevenue } from "../queries/gross-revenue.ts";
import { type Currency, CurrencySchema } from "../validation/params.ts";
import { jsonInteger } from "./json-integer.ts";
import { answerMonthWindow, BILLING_ENTITY_NOT_FOUND, CUSTOMER_PARAMETER_DESCRIPTIONS, CustomerQueryShape } from "./month-window.ts";

export const GrossRevenueQuerySchema = z.object(CustomerQueryShape);

export const GrossRevenueObjectSchema = z.object({
  month: z.iso.datetime(),
  amount_cents: z.int(),
  currency: CurrencySchema,
  invoices_count: z.int(),
  billing_entity_id: z.uuid(),
});
export const GrossRevenueResponseSchema = z.object({ gross_revenues: z.array(GrossRevenueObjectSchema) });
export type GrossRevenueResponse = z.infer<typeof GrossRevenueResponseSchema>;

export const grossRevenueEndpoint = defineEndpoint({
  path: "/api/v1/analytics/gross_revenue",
  operationId: "findAllGrossRevenues",
  summary: "Monthly gross revenue: finalized invoices less refunds, and pay-in-advance fees not invoiced",
  query: GrossRevenueQuerySchema,
  parameterDescriptions: CUSTOMER_PARAMETER_DESCRIPTIONS,
  response: {
    name: "GrossRevenues",
    schema: GrossRevenueResponseSchema,
    list: { key: "gross_revenues", name: "GrossRevenueObject", item: GrossRevenueObjectSchema },
  },
  notFound: BILLING_ENTITY_NOT_FOUND,
  cache: { route: "gross_revenue", defaultTtl: 600 },
  rollupParams: ["currency", "months", "billing_entity_code"],
  handle: (c, query, useRollup) =>
    answerMonthWindow(c, query, useRollup, readGrossRevenue, (rows): GrossRevenueResponse => ({
      gross_revenues: rows.map((r) => ({
        month: r.month,
        amount_cents: jsonInteger(r.amount_cents),
        currency: r.currency as Currency,
        invoices_count: jsonInteger(r.invoices_count),
        billing_entity_id: r.billing_entity_id,
      })),
    })),
});
