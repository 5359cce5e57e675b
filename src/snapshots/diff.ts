// What a snapshot stores, as Lago's daily usage job computes it: the usage without charges that
// measured nothing, and its difference from the same billing period's previous snapshot.
import { isPositiveDecimal, subtractDecimals } from "../decimal.ts";
import type { ChargeUsage, CustomerUsage, FilterUsage, GroupedUsage } from "./customer-usage.ts";

/** The usage with only the charges that measured something; undefined when none is left (no row is stored). */
export function keptUsage(usage: CustomerUsage): CustomerUsage | undefined {
  const charges = usage.charges_usage.filter((c) => isPositiveDecimal(c.units) || c.amount_cents > 0 || c.events_count > 0);
  return charges.length === 0 ? undefined : { ...usage, charges_usage: charges };
}

type Measured = { units: string; events_count: number; amount_cents: number };

const minus = <T extends Measured>(current: T, previous: Measured): T => ({
  ...current,
  units: subtractDecimals(current.units, previous.units),
  events_count: current.events_count - previous.events_count,
  amount_cents: current.amount_cents - previous.amount_cents,
});

// Filters and groups are matched on their values, whatever the order of their keys.
const canonical = (value: unknown): string =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`
    : JSON.stringify(value);

function filtersMinus(current: FilterUsage[] | undefined, previous: FilterUsage[] | undefined): FilterUsage[] | undefined {
  if (current === undefined) return undefined;
  const before = new Map((previous ?? []).map((f) => [canonical(f.values), f]));
  return current.map((f) => {
    const p = before.get(canonical(f.values));
    return p ? minus(f, p) : f;
  });
}

function groupsMinus(current: GroupedUsage[] | undefined, previous: GroupedUsage[] | undefined): GroupedUsage[] | undefined {
  if (current === undefined) return undefined;
  const before = new Map((previous ?? []).map((g) => [canonical(g.grouped_by), g]));
  return current.map((g) => {
    const p = before.get(canonical(g.grouped_by));
    return p ? { ...minus(g, p), filters: filtersMinus(g.filters, p.filters) } : g;
  });
}

/**
 * usage_diff: the usage itself without a previous snapshot of the same period; else each charge
 * (matched on its lago_id), filter (on its values) and group (on grouped_by) less the previous one's
 * units, events and amount. Unmatched entries stay whole, a matched one whose difference is zero
 * stays, a charge gone since gives nothing. The amount is the charges' sum; the previous taxes are
 * taken in the proportion of the previous amount that came from charges still present.
 */
export function usageDiff(current: CustomerUsage, previous: CustomerUsage | undefined): CustomerUsage {
  if (previous === undefined) return current;
  const before = new Map(previous.charges_usage.map((c) => [c.charge.lago_id, c]));
  const charges: ChargeUsage[] = current.charges_usage.map((c) => {
    const p = before.get(c.charge.lago_id);
    if (!p) return c;
    return { ...minus(c, p), filters: filtersMinus(c.filters, p.filters), grouped_usage: groupsMinus(c.grouped_usage, p.grouped_usage) };
  });
  const amount = charges.reduce((sum, c) => sum + c.amount_cents, 0);
  const previousTaxes = previous.taxes_amount_cents ?? 0;
  const commonAmount = current.charges_usage.reduce((sum, c) => sum + (before.get(c.charge.lago_id)?.amount_cents ?? 0), 0);
  const commonTaxes = previous.amount_cents > 0 ? Math.round(previousTaxes * (commonAmount / previous.amount_cents)) : previousTaxes;
  const taxes = (current.taxes_amount_cents ?? 0) - commonTaxes;
  return { ...current, charges_usage: charges, amount_cents: amount, taxes_amount_cents: taxes, total_amount_cents: amount + taxes };
}
