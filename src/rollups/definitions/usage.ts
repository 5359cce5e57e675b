// The usage rollup: days from the daily usage rows (Lago's daily_usages, and the service's usage
// snapshots where Lago has none), then ISO weeks and months summed from the days.
import { sql, type SQL } from "drizzle-orm";
import { USAGE_DAYS, USAGE_PERIODS } from "../../queries/fragments.ts";
import type { RollupDefinition } from "./definition.ts";
import { clearPicked, everyPeriod, indexedEnds } from "./fragments.ts";

export const usageRollup: RollupDefinition<"usage"> = {
  changes: {
    // Rows are written and rewritten per (subscription, day): the day is the bucket.
    // A Lago row written for a day the service took a snapshot of replaces it: the same bucket.
    daily_usages: sql`SELECT 'usage_day' AS kind, du.organization_id, du.usage_date AS period_start FROM changed du WHERE du.usage_date IS NOT NULL`,
    usage_snapshots: sql`SELECT 'usage_day' AS kind, s.organization_id, s.usage_date AS period_start FROM changed s`,
  },
  firstBuild: {
    daily_usages: everyPeriod("usage_day", "day", indexedEnds("daily_usages", "usage_date", sql``)),
    usage_snapshots: everyPeriod("usage_day", "day", indexedEnds("usage_snapshots", "usage_date", sql``)),
  },
  recompute: { usage_day: usageDays, usage_week: () => usagePeriods("usage_week"), usage_month: () => usagePeriods("usage_month") },
};

// Constant fragments only; never the caller's text.
const PERIODS = { usage_week: USAGE_PERIODS.weekly, usage_month: USAGE_PERIODS.monthly } as const;

// Exactly the records of the direct query (queries/usage.ts), per day; then the week and the month
// of each day are queued, to be rebuilt from the day rows.
function usageDays(): SQL {
  return sql`cleared AS (${clearPicked("usage_rollup", "period_start", sql`AND r.granularity = 'day'`)}
  ), inserted AS (
    INSERT INTO edge_analytics.usage_rollup
      (organization_id, granularity, period_start, billable_metric_code, billable_metric_id, amount_currency, units, amount_cents, records)
    SELECT p.organization_id, 'day', p.period_start, e -> 'billable_metric' ->> 'code', e -> 'billable_metric' ->> 'lago_id',
           e ->> 'amount_currency', sum((e ->> 'units')::numeric), sum((e ->> 'amount_cents')::numeric), count(*)
    FROM picked p
    CROSS JOIN LATERAL (
      SELECT du.usage_diff FROM ${USAGE_DAYS} du
      WHERE du.organization_id = p.organization_id AND du.usage_date = p.period_start OFFSET 0) du
    CROSS JOIN LATERAL jsonb_array_elements(du.usage_diff -> 'charges_usage') AS e
    GROUP BY 1, 2, 3, 4, 5, 6
    RETURNING 1
  ), periods AS (
    INSERT INTO edge_analytics.dirty_buckets (kind, organization_id, period_start)
    SELECT DISTINCT g.kind, p.organization_id, date_trunc(g.unit, p.period_start::timestamp)::date
    FROM picked p CROSS JOIN (VALUES ('usage_week', 'week'), ('usage_month', 'month')) AS g(kind, unit)
    ON CONFLICT DO NOTHING
  )`;
}

// Sums of the day rows: exact numeric sums of exact sums, so rounding at read time stays "once".
function usagePeriods(kind: "usage_week" | "usage_month"): SQL {
  const { granularity, length } = PERIODS[kind];
  return sql`cleared AS (${clearPicked("usage_rollup", "period_start", sql`AND r.granularity = ${granularity}`)}
  ), inserted AS (
    INSERT INTO edge_analytics.usage_rollup
      (organization_id, granularity, period_start, billable_metric_code, billable_metric_id, amount_currency, units, amount_cents, records)
    SELECT p.organization_id, ${granularity}, p.period_start, d.billable_metric_code, d.billable_metric_id, d.amount_currency,
           sum(d.units), sum(d.amount_cents), sum(d.records)
    FROM picked p
    CROSS JOIN LATERAL (
      SELECT * FROM edge_analytics.usage_rollup d WHERE d.organization_id = p.organization_id AND d.granularity = 'day'
        AND d.period_start >= p.period_start AND d.period_start < p.period_start + ${length} OFFSET 0) d
    GROUP BY 1, 2, 3, 4, 5, 6
    RETURNING 1
  )`;
}
