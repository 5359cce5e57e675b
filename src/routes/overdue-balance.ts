import * as z from "zod/mini";
import { defineEndpoint } from "../endpoint.ts";
import { readOverdueBalance } from "../queries/overdue-balance.ts";
import { type Currency, CurrencySchema } from "../validation/params.ts";
import { jsonInteger } from "./json-integer.ts";
import { answerMonthWindow, BILLING_ENTITY_NOT_FOUND, CUSTOMER_PARAMETER_DESCRIPTIONS, CustomerQueryShape } from "./month-window.ts";

export const OverdueBalanceQuerySchema = z.object(CustomerQueryShape);

export const OverdueBalanceObjectSchema = z.object({
  month: z.iso.datetime(),
  amount_cents: z.int(),
  currency: CurrencySchema,
  lago_invoice_ids: z.array(z.uuid()),
  billing_entity_id: z.uuid(),
});
export const OverdueBalanceResponseSchema = z.object({ overdue_balances: z.array(OverdueBalanceObjectSchema) });
export type OverdueBalanceResponse = z.infer<typeof OverdueBalanceResponseSchema>;

export const overdueBalanceEndpoint = defineEndpoint({
  path: "/api/v1/analytics/overdue_balance",
  operationId: "findAllOverdueBalances",
  summary: "Overdue invoices per month of their due date: what is still owed, and which invoices",
  query: OverdueBalanceQuerySchema,
  parameterDescriptions: CUSTOMER_PARAMETER_DESCRIPTIONS,
  response: {
    name: "OverdueBalances",
    schema: OverdueBalanceResponseSchema,
    list: { key: "overdue_balances", name: "OverdueBalanceObject", item: OverdueBalanceObjectSchema },
  },
  notFound: BILLING_ENTITY_NOT_FOUND,
  cache: { route: "overdue_balance", defaultTtl: 600 },
  rollupParams: ["currency", "months", "billing_entity_code"],
  handle: (c, query, useRollup) =>
    answerMonthWindow(c, query, useRollup, readOverdueBalance, (rows): OverdueBalanceResponse => ({
      overdue_balances: rows.map((r) => ({
        month: r.month,
        amount_cents: jsonInteger(r.amount_cents),
        currency: r.currency as Currency,
        lago_invoice_ids: r.lago_invoice_ids,
        billing_entity_id: r.billing_entity_id,
      })),
    })),
});
