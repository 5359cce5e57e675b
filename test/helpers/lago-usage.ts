// Lago's usage JSON as Lago writes it into daily_usages, for the Worker tests (in workerd) and the
// Node tests alike: nothing here touches a database or a runtime's API beyond crypto.randomUUID.

export type Metric = { id: string; code: string };

/**
 * One element of `usage_diff.charges_usage`. The charge's code differs from its metric's (as Lago
 * allows), so a reader that takes the wrong code is caught.
 */
export function chargeUsage(metric: Metric, units: string, amountCents: number | string, currency = "USD") {
  return {
    units,
    amount_cents: amountCents,
    amount_currency: currency,
    billable_metric: { lago_id: metric.id, code: metric.code, name: metric.code, aggregation_type: "sum_agg" },
    charge: { lago_id: crypto.randomUUID(), code: `${metric.code}_charge` },
    events_count: 1,
    filters: [],
    grouped_usage: [],
  };
}
