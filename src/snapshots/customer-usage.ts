// Lago's answer to GET /api/v1/customers/{id}/current_usage: the CustomerUsage object, checked for
// the fields the snapshots read. Fields not named here are kept as Lago sent them (Lago adds fields
// over time), since the stored usage is Lago's object itself.
import * as z from "zod/mini";
import { isDecimal } from "../decimal.ts";

const Units = z.string().check(z.refine(isDecimal));
const Count = z.int();

const FilterUsage = z.looseObject({
  values: z.nullable(z.record(z.string(), z.unknown())),
  units: Units,
  events_count: Count,
  amount_cents: Count,
});

const GroupedUsage = z.looseObject({
  grouped_by: z.nullable(z.record(z.string(), z.unknown())),
  units: Units,
  events_count: Count,
  amount_cents: Count,
  filters: z.optional(z.array(FilterUsage)),
});

const ChargeUsage = z.looseObject({
  units: Units,
  events_count: Count,
  amount_cents: Count,
  amount_currency: z.string(),
  charge: z.looseObject({ lago_id: z.string().check(z.minLength(1)) }),
  billable_metric: z.looseObject({ lago_id: z.string(), code: z.string(), name: z.string() }),
  filters: z.optional(z.array(FilterUsage)),
  grouped_usage: z.optional(z.array(GroupedUsage)),
});

const Instant = z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s))));

export const CustomerUsageSchema = z.looseObject({
  from_datetime: Instant,
  to_datetime: Instant,
  currency: z.optional(z.nullable(z.string())),
  amount_cents: Count,
  taxes_amount_cents: z.optional(Count),
  total_amount_cents: z.optional(Count),
  charges_usage: z.array(ChargeUsage),
});

export type FilterUsage = z.infer<typeof FilterUsage>;
export type GroupedUsage = z.infer<typeof GroupedUsage>;
export type ChargeUsage = z.infer<typeof ChargeUsage>;
export type CustomerUsage = z.infer<typeof CustomerUsageSchema>;

/** Lago's answer body is refused above this size: no subscription's usage comes near it. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The `customer_usage` of a 200's body text, or undefined when it is not a CustomerUsage. */
export function parseCustomerUsage(text: string): CustomerUsage | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = z.safeParse(z.object({ customer_usage: CustomerUsageSchema }), body);
  return parsed.success ? parsed.data.customer_usage : undefined;
}
