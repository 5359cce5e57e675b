import * as z from "zod/mini";
import { defineEndpoint } from "../endpoint.ts";
import { readInvoiceCollection } from "../queries/gross-revenue.ts";
import { type Currency, CurrencySchema } from "../validation/params.ts";
import { jsonInteger } from "./json-integer.ts";
import { answerMonthWindow, BILLING_ENTITY_NOT_FOUND, REVENUE_PARAMETER_DESCRIPTIONS, RevenueQueryShape } from "./month-window.ts";

export const InvoiceCollectionQuerySchema = z.object(RevenueQueryShape);

export const InvoiceCollectionObjectSchema = z.object({
  month: z.iso.datetime(),
  // null only in a month's placeholder row (no invoice that month, no currency filter), as Lago answers.
  payment_status: z.nullable(z.enum(["pending", "succeeded", "failed"])),
  invoices_count: z.int(),
  amount_cents: z.int(),
  currency: z.nullable(CurrencySchema),
});
export const InvoiceCollectionResponseSchema = z.object({ invoice_collections: z.array(InvoiceCollectionObjectSchema) });
export type InvoiceCollectionResponse = z.infer<typeof InvoiceCollectionResponseSchema>;

export const invoiceCollectionEndpoint = defineEndpoint({
  path: "/api/v1/analytics/invoice_collection",
  operationId: "findAllInvoiceCollections",
  summary: "Finalized invoices per month and payment status: count and total",
  query: InvoiceCollectionQuerySchema,
  parameterDescriptions: {
    ...REVENUE_PARAMETER_DESCRIPTIONS,
    currency: `${REVENUE_PARAMETER_DESCRIPTIONS.currency} Without it, a month with no invoice has one row with payment_status and currency null.`,
  },
  response: {
    name: "InvoiceCollections",
    schema: InvoiceCollectionResponseSchema,
    list: { key: "invoice_collections", name: "InvoiceCollectionObject", item: InvoiceCollectionObjectSchema },
  },
  notFound: BILLING_ENTITY_NOT_FOUND,
  cache: { route: "invoice_collection", defaultTtl: 600 },
  rollupParams: ["currency", "months", "billing_entity_code"],
  handle: (c, query, useRollup) =>
    answerMonthWindow(c, query, useRollup, readInvoiceCollection, (rows): InvoiceCollectionResponse => ({
      invoice_collections: rows.map((r) => ({
        month: r.month,
        payment_status: r.payment_status,
        invoices_count: jsonInteger(r.invoices_count),
        amount_cents: jsonInteger(r.amount_cents),
        currency: r.currency as Currency | null,
      })),
    })),
});
