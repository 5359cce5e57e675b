import { sql, type SQL } from "drizzle-orm";
import { billableMetrics, customers, plans, subscriptions } from "../db/schema/index.ts";
import type { Database } from "../env.ts";
import { dateText, LAGO_USAGE_DAYS, USAGE_DAYS, USAGE_PERIODS } from "./fragments.ts";
import { isRollupMissing } from "./rollup-status.ts";

export const TIME_GRANULARITIES = ["daily", "weekly", "monthly"] as const;
export type TimeGranularity = (typeof TIME_GRANULARITIES)[number];


export type UsageFilters = {
  timeGranularity: TimeGranularity;
  /** Inclusive bounds on usage_date, 'YYYY-MM-DD'. */
  fromDate: string;
  toDate: string;
  currency?: string | undefined;
  customerType?: "company" | "individual" | undefined;
  externalCustomerId?: string | undefined;
  /** Upper case, as Lago's Country enum spells it. */
  customerCountry?: string | undefined;
  externalSubscriptionId?: string | undefined;
  planCode?: string | undefined;
  billableMetricCode?: string | undefined;
  isBillableMetricRecurring?: boolean | undefined;
};

export type UsageRow = {
  start_of_period_dt: string;
  end_of_period_dt: string;
  amount_currency: string | null;
  billable_metric_code: string | null;
  /** Exact decimal text: the rounded sum for amount_cents, the trimmed sum for units. */
  amount_cents: string;
  units: string;
  is_billable_metric_deleted: boolean;
};

// One usage record per element of charges_usage; `e` is that element.
const CODE = sql`(e -> 'billable_metric' ->> 'code')`;
const METRIC_ID = sql`(e -> 'billable_metric' ->> 'lago_id')`;
const CURRENCY = sql`(e ->> 'amount_currency')`;

/**
 * Usage per period, metric code and currency, from the organization's daily usage rows: Lago's and
 * the service's snapshots where Lago has none (USAGE_DAYS); Lago's alone on a database without the
 * service's schema.
 */
export async function usage(db: Database, organizationId: string, filters: UsageFilters): Promise<UsageRow[]> {
  try {
    return await usageOf(db, USAGE_DAYS, organizationId, filters);
  } catch (err) {
    if (!isRollupMissing(err)) throw err;
    return usageOf(db, LAGO_USAGE_DAYS, organizationId, filters);
  }
}

async function usageOf(db: Database, days: SQL, organizationId: string, filters: UsageFilters): Promise<UsageRow[]> {
  const period = USAGE_PERIODS[filters.timeGranularity];
  // A timestamp without time zone, so the session's TimeZone cannot move a day.
  const periodStart = sql`date_trunc(${period.unit}, du.usage_date::timestamp)`;
  const conditions = [
    sql`du.organization_id = ${organizationId}`,
    // BETWEEN is never true for a NULL usage_date, so such rows are outside every window.
    sql`du.usage_date BETWEEN ${filters.fromDate}::date AND ${filters.toDate}::date`,
    ...recordFilters(organizationId, filters),
  ];
  const result = await db.execute<UsageRow>(sql`
    SELECT ${dateText(sql`r.period_start`)} AS start_of_period_dt,
           ${dateText(sql`r.period_start + ${period.length} - interval '1 day'`)} AS end_of_period_dt,
           r.currency AS amount_currency,
           r.code AS billable_metric_code,
           -- Exact numeric sums; round() on numeric goes half away from zero; trim_scale drops
           -- trailing zeros and numeric's text never uses an exponent.
           round(coalesce(sum(r.amount), 0))::text AS amount_cents,
           trim_scale(coalesce(sum(r.units), 0))::text AS units,
           NOT EXISTS (
             SELECT 1 FROM ${billableMetrics} bm
             WHERE bm.organization_id = ${organizationId} AND bm.code = r.code AND bm.deleted_at IS NULL
           ) AS is_billable_metric_deleted
    FROM (
      SELECT ${periodStart} AS period_start, ${CODE} AS code, ${CURRENCY} AS currency,
             (e ->> 'units')::numeric AS units, (e ->> 'amount_cents')::numeric AS amount
      FROM ${days} du
      CROSS JOIN LATERAL jsonb_array_elements(du.usage_diff -> 'charges_usage') AS e
      WHERE ${sql.join(conditions, sql` AND `)}
    ) r
    GROUP BY r.period_start, r.code, r.currency
    -- Byte order (COLLATE "C") so ties break the same way whatever the database's locale.
    ORDER BY r.period_start, r.code COLLATE "C", r.currency COLLATE "C"
  `);
  return result.rows;
}

// Every lookup is pinned to the organization as well, so a foreign id in a row never matches.
function recordFilters(organizationId: string, f: UsageFilters): SQL[] {
  const conditions: SQL[] = [];
  if (f.currency !== undefined) conditions.push(sql`${CURRENCY} = ${f.currency}`);
  if (f.billableMetricCode !== undefined) conditions.push(sql`${CODE} = ${f.billableMetricCode}`);
  if (f.externalSubscriptionId !== undefined) {
    conditions.push(sql`du.external_subscription_id = ${f.externalSubscriptionId}`);
  }

  const customer: SQL[] = [];
  if (f.customerType !== undefined) customer.push(sql`c.customer_type::text = ${f.customerType}`);
  if (f.externalCustomerId !== undefined) customer.push(sql`c.external_id = ${f.externalCustomerId}`);
  if (f.customerCountry !== undefined) customer.push(sql`upper(c.country) = ${f.customerCountry}`);
  if (customer.length > 0) {
    conditions.push(sql`EXISTS (
      SELECT 1 FROM ${customers} c
      WHERE c.id = du.customer_id AND c.organization_id = ${organizationId}
        AND ${sql.join(customer, sql` AND `)})`);
  }

  if (f.planCode !== undefined) {
    conditions.push(sql`EXISTS (
      SELECT 1 FROM ${subscriptions} s JOIN ${plans} p ON p.id = s.plan_id AND p.organization_id = ${organizationId}
      WHERE s.id = du.subscription_id AND s.organization_id = ${organizationId}
        AND p.code = ${f.planCode})`);
  }

  // By metric id, not code: two metrics may share a code (one deleted), and the record's own
  // metric decides. Deleted metrics are included on purpose; compared as text so a malformed id
  // in the JSON cannot fail a uuid cast.
  if (f.isBillableMetricRecurring !== undefined) {
    conditions.push(sql`EXISTS (
      SELECT 1 FROM ${billableMetrics} bm
      WHERE bm.id::text = ${METRIC_ID} AND bm.organization_id = ${organizationId}
        AND bm.recurring = ${f.isBillableMetricRecurring})`);
  }
  return conditions;
}
