// Step 1 of a refresh: find what changed in Lago's tables since each source's watermark and queue
// the buckets it touches, to be recomputed whole. Each statement queues and advances its watermark
// atomically, so a refresh that dies later loses nothing: the queue outlives it.
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";

export const SOURCES = ["fees", "invoices", "charges", "billable_metrics", "daily_usages", "credit_notes", "plans", "subscriptions"] as const;
export type Source = (typeof SOURCES)[number];

/**
 * A watermark is the database time of the last collect that read its table. Rows are re-read for
 * this long before it: Lago stamps updated_at when it saves a row, not when its transaction commits,
 * so a row committed just after a collect may carry a stamp from before it. Re-queuing a bucket is
 * harmless (recomputation is idempotent), only repeated work.
 */
export const DEFAULT_OVERLAP = "15 minutes";

/** Which rollup a change feeds: invoiced_usage (and its edges), usage, or the four revenue endpoints. */
export type ChangeFeed = "invoiced_usage" | "usage" | "revenue";

// What a changed row of each source invalidates, as (kind, organization_id, period_start), per feed.
// Fees are reached through LATERAL ... OFFSET 0: an index lookup per changed row, never a scan.
// fees.created_at and daily_usages.usage_date are never changed by Lago, so the bucket of the row as
// it is now is the bucket it was counted in; likewise an invoice's issuing and due dates once it is
// finalized (before, it counts nowhere).
const feesOf = (on: SQL) => sql`CROSS JOIN LATERAL (SELECT * FROM fees f WHERE ${on} OFFSET 0) f`;
const issuingMonthOfFees = sql`SELECT 'revenue' AS kind, i.organization_id, date_trunc('month', i.issuing_date)::date AS period_start`;
const CHANGES: Record<Source, Partial<Record<ChangeFeed, (since: SQL) => SQL>>> = {
  fees: {
    invoiced_usage: (since) => sql`SELECT 'invoiced_usage' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start
      FROM fees f WHERE f.updated_at > ${since}`,
    // An instant fee counts in its creation month; a fee on an invoice in that invoice's issuing month (mrr).
    revenue: (since) => sql`SELECT 'revenue' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start
      FROM fees f WHERE f.updated_at > ${since}
      UNION ALL ${issuingMonthOfFees} FROM fees f JOIN invoices i ON i.id = f.invoice_id
      WHERE f.updated_at > ${since} AND i.issuing_date IS NOT NULL`,
  },
  invoices: {
    // Status changes (draft -> finalized -> voided), disputes lost, billing entity moves: every
    // month that holds a fee of the invoice.
    invoiced_usage: (since) => sql`SELECT 'invoiced_usage' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start
      FROM invoices i ${feesOf(sql`f.invoice_id = i.id`)}
      WHERE i.updated_at > ${since}`,
    // Payments, overdue flags, totals: the invoice's issuing month and its due month.
    revenue: (since) => sql`SELECT 'revenue' AS kind, i.organization_id, date_trunc('month', d)::date AS period_start
      FROM invoices i CROSS JOIN LATERAL (VALUES (i.issuing_date), (i.payment_due_date)) AS v(d)
      WHERE i.updated_at > ${since} AND d IS NOT NULL`,
  },
  // A charge decides the metric (and so the code) of its fees.
  charges: {
    invoiced_usage: (since) => sql`SELECT 'invoiced_usage' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start
      FROM charges c ${feesOf(sql`f.charge_id = c.id`)}
      WHERE c.updated_at > ${since}`,
  },
  // A metric decides the code of its charges' fees (a rename, say).
  billable_metrics: {
    invoiced_usage: (since) => sql`SELECT 'invoiced_usage' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start
      FROM billable_metrics bm JOIN charges c ON c.billable_metric_id = bm.id
      ${feesOf(sql`f.charge_id = c.id`)}
      WHERE bm.updated_at > ${since}`,
  },
  // Rows are written and rewritten per (subscription, day): the day is the bucket.
  daily_usages: {
    usage: (since) => sql`SELECT 'usage_day' AS kind, du.organization_id, du.usage_date AS period_start
      FROM daily_usages du WHERE du.updated_at > ${since} AND du.usage_date IS NOT NULL`,
  },
  // A credit note's refund (gross revenue) or offset (overdue balance): its invoice's two months.
  credit_notes: {
    revenue: (since) => sql`SELECT 'revenue' AS kind, i.organization_id, date_trunc('month', d)::date AS period_start
      FROM credit_notes cn JOIN invoices i ON i.id = cn.invoice_id
      CROSS JOIN LATERAL (VALUES (i.issuing_date), (i.payment_due_date)) AS v(d)
      WHERE cn.updated_at > ${since} AND d IS NOT NULL`,
  },
  // A plan's interval and timing decide how its subscription fees spread (mrr).
  plans: {
    revenue: (since) => sql`${issuingMonthOfFees}
      FROM plans p JOIN subscriptions s ON s.plan_id = p.id
      ${feesOf(sql`f.subscription_id = s.id`)}
      JOIN invoices i ON i.id = f.invoice_id
      WHERE p.updated_at > ${since} AND i.issuing_date IS NOT NULL`,
  },
  // A subscription decides its fees' plan (mrr) and customer (instant fees).
  subscriptions: {
    revenue: (since) => sql`SELECT 'revenue' AS kind, f.organization_id, date_trunc('month', coalesce(i.issuing_date::timestamp, f.created_at))::date AS period_start
      FROM subscriptions s ${feesOf(sql`f.subscription_id = s.id`)}
      LEFT JOIN invoices i ON i.id = f.invoice_id
      WHERE s.updated_at > ${since}`,
  },
};

export async function readWatermarks(db: Database): Promise<Map<Source, string | null>> {
  const result = await db.execute<{ source: Source; watermark: string | null }>(
    sql`SELECT source, watermark::text AS watermark FROM edge_analytics.refresh_watermarks`,
  );
  return new Map(result.rows.map((r) => [r.source, r.watermark]));
}

/**
 * Queues the buckets touched by rows of `source` stamped after `watermark - overlap` (everything
 * when there is no watermark yet) and moves the watermark to this statement's database time: every
 * row committed before it was visible here.
 */
export async function collectChanges(
  db: Database,
  source: Source,
  watermark: string | null,
  opts: { feeds?: readonly ChangeFeed[]; overlap?: string } = {},
): Promise<number> {
  // Feeds left out only move the watermark: on the first build every invoiced_usage bucket is queued
  // from fees anyway, so invoices, charges and metrics need not be joined to all of them.
  const { feeds = ["invoiced_usage", "usage", "revenue"], overlap = DEFAULT_OVERLAP } = opts;
  const since = watermark === null ? sql`'-infinity'::timestamp` : sql`(${watermark}::timestamp - ${overlap}::interval)`;
  const changes = feeds.flatMap((feed) => CHANGES[source][feed]?.(since) ?? []);
  const result = await db.execute<{ queued: number }>(sql`
    WITH queued AS (
      INSERT INTO edge_analytics.dirty_buckets (kind, organization_id, period_start)
      SELECT DISTINCT kind, organization_id, period_start FROM (${changes.length > 0 ? sql.join(changes, sql` UNION ALL `) : sql`SELECT NULL::text AS kind,
        NULL::uuid AS organization_id, NULL::date AS period_start WHERE false`}) c
      ON CONFLICT DO NOTHING
      RETURNING 1
    ),
    moved AS (
      UPDATE edge_analytics.refresh_watermarks w
      SET watermark = GREATEST(w.watermark, (now() AT TIME ZONE 'UTC')::timestamp(6))
      WHERE w.source = ${source}
    )
    SELECT (SELECT count(*) FROM queued)::int AS queued`);
  return result.rows[0]?.queued ?? 0;
}
