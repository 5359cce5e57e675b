import * as z from "zod/mini";
import { defineEndpoint } from "../endpoint.ts";
import { readMrr } from "../queries/mrr.ts";
import { type Currency, CurrencySchema } from "../validation/params.ts";
import { jsonInteger } from "./json-integer.ts";
import { answerMonthWindow, BILLING_ENTITY_NOT_FOUND, REVENUE_PARAMETER_DESCRIPTIONS, RevenueQueryShape } from "./month-window.ts";

export const MrrQuerySchema = z.object(RevenueQueryShape);

export const MrrObjectSchema = z.object({
  month: z.iso.datetime(),
  // Both null only in a month's placeholder row (no revenue that month, no currency filter), as Lago answers.
  amount_cents: z.nullable(z.int()),
  currency: z.nullable(CurrencySchema),
});
export const MrrResponseSchema = z.object({ mrrs: z.array(MrrObjectSchema) });
export type MrrResponse = z.infer<typeof MrrResponseSchema>;

export const mrrEndpoint = defineEndpoint({
  path: "/api/v1/analytics/mrr",
  operationId: "findAllMrrs",
  summary: "Monthly recurring revenue from subscription fees, spread over their billing periods",
  query: MrrQuerySchema,
  parameterDescriptions: {
    ...REVENUE_PARAMETER_DESCRIPTIONS,
    currency: `${REVENUE_PARAMETER_DESCRIPTIONS.currency} Without it, a month with no revenue has one row with amount_cents and currency null.`,
  },
  response: { name: "Mrrs", schema: MrrResponseSchema, list: { key: "mrrs", name: "MrrObject", item: MrrObjectSchema } },
  notFound: BILLING_ENTITY_NOT_FOUND,
  cache: { route: "mrr", defaultTtl: 600 },
  rollupParams: ["currency", "months", "billing_entity_code"],
  handle: (c, query, useRollup) =>
    answerMonthWindow(c, query, useRollup, readMrr, (rows): MrrResponse => ({
      mrrs: rows.map((r) => ({
        month: r.month,
        amount_cents: r.amount_cents === null ? null : jsonInteger(r.amount_cents),
        currency: r.currency as Currency | null,
      })),
    })),
});
