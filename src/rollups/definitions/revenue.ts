// The revenue rollup (gross_revenue, invoice_collection, mrr, overdue_balance): what changes make a
// month stale, the first build's months, and a month recomputed whole from Lago's tables.
import { sql, type SQL } from "drizzle-orm";
import { revenueRows } from "../../queries/gross-revenue.ts";
import { mrrRows } from "../../queries/mrr.ts";
import { overdueRows } from "../../queries/overdue-balance.ts";
import type { Scope } from "../../queries/revenue-window.ts";
import type { RollupDefinition } from "./definition.ts";
import { clearPicked, everyPeriod, feeEnds, feesOf, invoiceOf } from "./fragments.ts";

const issuingMonthOfFees = sql`SELECT 'revenue' AS kind, i.organization_id, date_trunc('month', i.issuing_date)::date AS period_start`;

export const revenueRollup: RollupDefinition<"revenue"> = {
  changes: {
    // An instant fee counts in its creation month; a fee on an invoice in that invoice's issuing month (mrr).
    fees: sql`SELECT 'revenue' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start FROM changed f
      UNION ALL ${issuingMonthOfFees} FROM changed f ${invoiceOf(sql`i.id = f.invoice_id`)} WHERE i.issuing_date IS NOT NULL`,
    // Payments, overdue flags, totals: the invoice's issuing month and its due month.
    invoices: sql`SELECT 'revenue' AS kind, i.organization_id, date_trunc('month', d)::date AS period_start
      FROM changed i CROSS JOIN LATERAL (VALUES (i.issuing_date), (i.payment_due_date)) AS v(d) WHERE d IS NOT NULL`,
    // A credit note's refund (gross revenue) or offset (overdue balance): its invoice's two months.
    credit_notes: sql`SELECT 'revenue' AS kind, i.organization_id, date_trunc('month', d)::date AS period_start
      FROM changed cn ${invoiceOf(sql`i.id = cn.invoice_id`)}
      CROSS JOIN LATERAL (VALUES (i.issuing_date), (i.payment_due_date)) AS v(d) WHERE d IS NOT NULL`,
    // A plan's interval and timing decide how its subscription fees spread (mrr).
    plans: sql`${issuingMonthOfFees}
      FROM changed p JOIN subscriptions s ON s.plan_id = p.id ${feesOf(sql`f.subscription_id = s.id`)}
      ${invoiceOf(sql`i.id = f.invoice_id`)} WHERE i.issuing_date IS NOT NULL`,
    // A subscription decides its fees' plan (mrr) and customer (instant fees).
    subscriptions: sql`SELECT 'revenue' AS kind, f.organization_id, date_trunc('month', coalesce(i.issuing_date::timestamp, f.created_at))::date AS period_start
      FROM changed s ${feesOf(sql`f.subscription_id = s.id`)} ${invoiceOf(sql`i.id = f.invoice_id`, sql`LEFT JOIN LATERAL`)} ON true`,
  },
  firstBuild: {
    fees: everyPeriod("revenue", "month", feeEnds),
    invoices: everyPeriod("revenue", "month", sql`
      SELECT organization_id, min(least(issuing_date, payment_due_date)) AS lo, max(greatest(issuing_date, payment_due_date)) AS hi
      FROM invoices GROUP BY organization_id`),
  },
  recompute: { revenue },
};

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
  return sql`cleared AS (${clearPicked("revenue_monthly", "month")}
  ), cleared_overdue AS (${clearPicked("revenue_overdue_monthly", "month")}
  ), cleared_mrr AS (${clearPicked("revenue_mrr", "source_month")}
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
