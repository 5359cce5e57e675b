// Step 2 of a refresh: recompute queued buckets whole from Lago's tables. One statement per batch
// takes the buckets off the queue, deletes their rollup rows and inserts the fresh ones, so a failed
// or interrupted batch leaves both the queue and the rollup as they were.
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import { revenueRows } from "../queries/gross-revenue.ts";
import { FEE_TYPE_CHARGE, INVOICE_STATUS_FINALIZED } from "../queries/invoiced-usage.ts";
import { mrrRows } from "../queries/mrr.ts";
import { overdueRows } from "../queries/overdue-balance.ts";
import type { Scope } from "../queries/revenue-window.ts";

/** Kinds of queued bucket; period_start is a month, a month, a day, an ISO week's Monday, a month. */
export const KINDS = ["invoiced_usage", "revenue", "usage_day", "usage_week", "usage_month"] as const;
export type Kind = (typeof KINDS)[number];
export type Bucket = { organizationId: string; periodStart: string };

/**
 * Buckets per recompute statement. A month of fees or invoices is a large bucket (about 2 s at 10M
 * fees in one organization), so few go at once: a batch started just before a run's deadline then
 * overruns it by seconds, not by a minute. A day of usage is a small one.
 */
export const BATCH_SIZES: Record<Kind, number> = { invoiced_usage: 5, revenue: 5, usage_day: 25, usage_week: 25, usage_month: 25 };
export type Recomputed = { buckets: number; rows: number };

// Constant fragments only; never the caller's text.
const PERIODS = {
  usage_week: { granularity: "week", length: sql`interval '1 week'` },
  usage_month: { granularity: "month", length: sql`interval '1 month'` },
} as const;

/** The next queued buckets of a kind (of one organization, if given); failed ones only when asked. */
export async function queuedBuckets(db: Database, kind: Kind, limit: number, failed = false, organizationId?: string): Promise<Bucket[]> {
  const result = await db.execute<{ organization_id: string; period_start: string }>(sql`
    SELECT organization_id, period_start::text AS period_start FROM edge_analytics.dirty_buckets
    WHERE kind = ${kind} AND (failed_at IS NOT NULL) = ${failed}
      ${organizationId === undefined ? sql`` : sql`AND organization_id = ${organizationId}::uuid`}
    ORDER BY organization_id, period_start LIMIT ${limit}`);
  return result.rows.map((r) => ({ organizationId: r.organization_id, periodStart: r.period_start }));
}

export async function markFailed(db: Database, kind: Kind, bucket: Bucket, error: string): Promise<void> {
  await db.execute(sql`
    UPDATE edge_analytics.dirty_buckets SET failed_at = (now() AT TIME ZONE 'UTC')::timestamp(6), error = ${error}
    WHERE kind = ${kind} AND organization_id = ${bucket.organizationId} AND period_start = ${bucket.periodStart}::date`);
}

/** Recomputes these buckets (those another refresh is not already working on). */
export async function recompute(db: Database, kind: Kind, buckets: Bucket[]): Promise<Recomputed> {
  const targets = JSON.stringify(buckets.map((b) => ({ organization_id: b.organizationId, period_start: b.periodStart })));
  return recomputePicked(db, kind, sql`
    SELECT q.organization_id, q.period_start FROM edge_analytics.dirty_buckets q
    JOIN jsonb_to_recordset(${targets}::jsonb) AS t(organization_id uuid, period_start date)
      ON t.organization_id = q.organization_id AND t.period_start = q.period_start
    WHERE q.kind = ${kind}
    FOR UPDATE OF q SKIP LOCKED`);
}

/**
 * Recomputes the next `limit` queued buckets of a kind (of one organization, if given), skipping
 * those another worker holds: several workers (a run's, or concurrent queue consumers') share one
 * queue without waiting on each other or taking a bucket twice.
 */
export async function recomputeNext(db: Database, kind: Kind, limit: number, organizationId?: string): Promise<Recomputed> {
  return recomputePicked(db, kind, sql`
    SELECT q.organization_id, q.period_start FROM edge_analytics.dirty_buckets q
    WHERE q.kind = ${kind} AND q.failed_at IS NULL
      ${organizationId === undefined ? sql`` : sql`AND q.organization_id = ${organizationId}::uuid`}
    ORDER BY q.organization_id, q.period_start LIMIT ${limit}
    FOR UPDATE OF q SKIP LOCKED`);
}

// `pick` selects (organization_id, period_start) of queued buckets of the kind, locked.
async function recomputePicked(db: Database, kind: Kind, pick: SQL): Promise<Recomputed> {
  const picked = sql`picked AS (
    DELETE FROM edge_analytics.dirty_buckets d
    WHERE d.kind = ${kind} AND (d.organization_id, d.period_start) IN (${pick})
    RETURNING d.organization_id, d.period_start)`;
  const body = kind === "invoiced_usage" ? invoicedUsage() : kind === "revenue" ? revenue() : kind === "usage_day" ? usageDays() : usagePeriods(kind);
  const result = await db.execute<Recomputed>(sql`WITH ${picked}, ${body}
    SELECT (SELECT count(*) FROM picked)::int AS buckets, (SELECT count(*) FROM inserted)::int AS rows`);
  return result.rows[0] ?? { buckets: 0, rows: 0 };
}

// A literal rather than a parameter: the planner then matches the partial index of charge fees
// (edge_analytics_fees_charge_months) whatever plan it makes, generic ones included.
const CHARGE_FEE = sql.raw(String(FEE_TYPE_CHARGE));

// Exactly the fees and the amount of the direct query (queries/invoiced-usage.ts), per month; then
// the month's answer (code, currency), rounded once and rendered as the endpoint returns it.
// Lago's rows are read through LATERAL ... OFFSET 0, so each bucket is an index range scan whatever
// the planner estimates for the queue.
function invoicedUsage(): SQL {
  return sql`cleared AS (
    DELETE FROM edge_analytics.invoiced_usage_monthly r USING picked p
    WHERE r.organization_id = p.organization_id AND r.month = p.period_start
  ), generation AS (
    -- Zone months rendered from this month (or its neighbours) before now are no longer served.
    INSERT INTO edge_analytics.invoiced_usage_generations AS g (organization_id, month, generation)
    SELECT p.organization_id, p.period_start, 1 FROM picked p
    ON CONFLICT (organization_id, month) DO UPDATE SET generation = g.generation + 1
  ), cleared_zones AS (
    -- Only tidying: the generation alone keeps those months from being served.
    DELETE FROM edge_analytics.invoiced_usage_zone_json z USING picked p
    WHERE z.organization_id = p.organization_id
      AND z.month BETWEEN (p.period_start - interval '1 month')::date AND (p.period_start + interval '1 month')::date
  ), cleared_json AS (
    DELETE FROM edge_analytics.invoiced_usage_json r USING picked p
    WHERE r.organization_id = p.organization_id AND r.month = p.period_start
  ), cleared_edges AS (
    DELETE FROM edge_analytics.invoiced_usage_edges r USING picked p
    WHERE r.organization_id = p.organization_id AND r.month = p.period_start
  ), inserted_edges AS (
    -- The same fees, near the month's two boundaries only, per quarter hour (see the migration).
    INSERT INTO edge_analytics.invoiced_usage_edges
      (organization_id, month, slot, billing_entity_id, amount_currency, billable_metric_id, amount_cents, fees_count)
    SELECT p.organization_id, p.period_start, date_bin('15 minutes', f.created_at, TIMESTAMP '2000-01-01'),
           i.billing_entity_id, f.amount_currency, c.billable_metric_id, sum(f.amount_cents - f.precise_coupons_amount_cents), count(*)
    FROM picked p
    CROSS JOIN LATERAL (
      SELECT f.invoice_id, f.charge_id, f.created_at, f.amount_currency, f.amount_cents, f.precise_coupons_amount_cents FROM fees f
      WHERE f.organization_id = p.organization_id
        AND ((f.created_at >= p.period_start::timestamp AND f.created_at < p.period_start + interval '12 hours')
          OR (f.created_at >= p.period_start + interval '1 month' - interval '14 hours' AND f.created_at < p.period_start + interval '1 month'))
        AND f.deleted_at IS NULL AND f.fee_type = ${CHARGE_FEE} AND f.invoiceable_type = 'Charge'
      OFFSET 0) f
    JOIN invoices i ON i.id = f.invoice_id AND i.organization_id = p.organization_id
    LEFT JOIN charges c ON c.id = f.charge_id
    WHERE i.status = ${INVOICE_STATUS_FINALIZED} AND i.self_billed = false AND i.payment_dispute_lost_at IS NULL
    GROUP BY 1, 2, 3, 4, 5, 6
  ), inserted AS (
    INSERT INTO edge_analytics.invoiced_usage_monthly
      (organization_id, month, billing_entity_id, amount_currency, billable_metric_id, amount_cents, fees_count)
    SELECT p.organization_id, p.period_start, i.billing_entity_id, f.amount_currency, c.billable_metric_id,
           sum(f.amount_cents - f.precise_coupons_amount_cents), count(*)
    FROM picked p
    CROSS JOIN LATERAL (
      SELECT f.invoice_id, f.charge_id, f.amount_currency, f.amount_cents, f.precise_coupons_amount_cents FROM fees f
      WHERE f.organization_id = p.organization_id
        AND f.created_at >= p.period_start::timestamp AND f.created_at < p.period_start + interval '1 month'
        AND f.deleted_at IS NULL AND f.fee_type = ${CHARGE_FEE} AND f.invoiceable_type = 'Charge'
      OFFSET 0) f
    JOIN invoices i ON i.id = f.invoice_id AND i.organization_id = p.organization_id
    LEFT JOIN charges c ON c.id = f.charge_id
    WHERE i.status = ${INVOICE_STATUS_FINALIZED} AND i.self_billed = false AND i.payment_dispute_lost_at IS NULL
    GROUP BY p.organization_id, p.period_start, i.billing_entity_id, f.amount_currency, c.billable_metric_id
    RETURNING organization_id, month, amount_currency, billable_metric_id, amount_cents
  ), answer AS (
    SELECT n.organization_id, n.month, bm.code, n.amount_currency AS currency, round(sum(n.amount_cents)) AS amount
    FROM inserted n LEFT JOIN billable_metrics bm ON bm.id = n.billable_metric_id
    GROUP BY n.organization_id, n.month, bm.code, n.amount_currency
  ), ranked AS (
    -- Each rendered month lists its codes and currencies once; rows refer to them by position.
    SELECT a.*, v.currency_key,
           dense_rank() OVER (PARTITION BY a.organization_id, a.month, v.currency_key ORDER BY a.code COLLATE "C" NULLS LAST) - 1 AS ci,
           dense_rank() OVER (PARTITION BY a.organization_id, a.month, v.currency_key ORDER BY a.currency COLLATE "C") - 1 AS cu
    FROM answer a CROSS JOIN LATERAL (VALUES (NULL::varchar), (a.currency)) AS v(currency_key)
  ), rendered AS (
    INSERT INTO edge_analytics.invoiced_usage_json (organization_id, month, currency, rows_json)
    SELECT r.organization_id, r.month, r.currency_key,
           json_build_array(to_char(r.month::timestamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             to_json(array_agg(DISTINCT r.code COLLATE "C" ORDER BY r.code COLLATE "C")),
             to_json(array_agg(DISTINCT r.currency COLLATE "C" ORDER BY r.currency COLLATE "C")),
             -- Amounts as JSON numbers while a double holds them exactly, as decimal text beyond.
             json_agg(json_build_array(r.ci, r.cu,
                 CASE WHEN abs(r.amount) <= 9007199254740991 THEN to_json(r.amount) ELSE to_json(r.amount::text) END)
               ORDER BY r.amount DESC, r.code COLLATE "C" NULLS LAST, r.currency COLLATE "C"))::text
    FROM ranked r
    GROUP BY r.organization_id, r.month, r.currency_key
  )`;
}

// The bucket's month as the revenue queries' scope: its organization, dates within the month.
const BUCKET_SCOPE: Scope = {
  organizationId: sql`p.organization_id`,
  from: sql`p.period_start::timestamp`,
  to: sql`(p.period_start + interval '1 month')`,
};

// The revenue endpoints' rows of the bucket's month, read by the very fragments their direct queries
// use (src/queries/gross-revenue.ts, overdue-balance.ts, mrr.ts): invoices issued, instant fees made,
// invoices due, and the mrr shares of subscription fees on invoices issued that month.
function revenue(): SQL {
  return sql`cleared AS (
    DELETE FROM edge_analytics.revenue_monthly r USING picked p
    WHERE r.organization_id = p.organization_id AND r.month = p.period_start
  ), cleared_overdue AS (
    DELETE FROM edge_analytics.revenue_overdue_monthly r USING picked p
    WHERE r.organization_id = p.organization_id AND r.month = p.period_start
  ), cleared_mrr AS (
    DELETE FROM edge_analytics.revenue_mrr r USING picked p
    WHERE r.organization_id = p.organization_id AND r.source_month = p.period_start
  ), inserted AS (
    INSERT INTO edge_analytics.revenue_monthly
      (organization_id, month, billing_entity_id, currency, payment_status, invoices_count, amount_cents, refund_cents)
    SELECT p.organization_id, r.month, r.billing_entity_id, r.currency, r.payment_status, r.invoices, r.amount, r.refund
    FROM picked p CROSS JOIN LATERAL (${revenueRows(BUCKET_SCOPE)}) r
    RETURNING 1
  ), inserted_overdue AS (
    INSERT INTO edge_analytics.revenue_overdue_monthly (organization_id, month, billing_entity_id, currency, amount_cents, invoice_ids)
    SELECT p.organization_id, r.month, r.billing_entity_id, r.currency, r.amount, r.invoice_ids
    FROM picked p CROSS JOIN LATERAL (${overdueRows(BUCKET_SCOPE)}) r
  ), inserted_mrr AS (
    INSERT INTO edge_analytics.revenue_mrr
      (organization_id, source_month, month, billing_entity_id, currency, shares_cents, weekly_cents, weekly_invoices)
    SELECT p.organization_id, r.source_month, r.month, r.billing_entity_id, r.currency, r.shares, r.weekly, r.weekly_invoices
    FROM picked p CROSS JOIN LATERAL (${mrrRows(BUCKET_SCOPE)}) r
  )`;
}

// Exactly the records of the direct query (queries/usage.ts), per day; then the week and the month
// of each day are queued, to be rebuilt from the day rows.
function usageDays(): SQL {
  return sql`cleared AS (
    DELETE FROM edge_analytics.usage_rollup r USING picked p
    WHERE r.organization_id = p.organization_id AND r.granularity = 'day' AND r.period_start = p.period_start
  ), inserted AS (
    INSERT INTO edge_analytics.usage_rollup
      (organization_id, granularity, period_start, billable_metric_code, billable_metric_id, amount_currency, units, amount_cents, records)
    SELECT p.organization_id, 'day', p.period_start, e -> 'billable_metric' ->> 'code', e -> 'billable_metric' ->> 'lago_id',
           e ->> 'amount_currency', sum((e ->> 'units')::numeric), sum((e ->> 'amount_cents')::numeric), count(*)
    FROM picked p
    CROSS JOIN LATERAL (
      SELECT du.usage_diff FROM daily_usages du
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
  return sql`cleared AS (
    DELETE FROM edge_analytics.usage_rollup r USING picked p
    WHERE r.organization_id = p.organization_id AND r.granularity = ${granularity} AND r.period_start = p.period_start
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
