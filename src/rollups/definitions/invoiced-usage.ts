// The invoiced_usage rollup (and its quarter-hour edges for other zones): what changes make a month
// stale, the first build's months, and a month recomputed whole from Lago's tables.
import { sql, type SQL } from "drizzle-orm";
import { countedInvoice, FEE_TYPE_CHARGE, utcInstantText } from "../../queries/fragments.ts";
import type { RollupDefinition } from "./definition.ts";
import { clearPicked, everyPeriod, feeEnds, feesOf } from "./fragments.ts";

export const invoicedUsageRollup: RollupDefinition<"invoiced_usage"> = {
  changes: {
    fees: sql`SELECT 'invoiced_usage' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start FROM changed f`,
    // Status changes (draft -> finalized -> voided), disputes lost, billing entity moves: every
    // month that holds a fee of the invoice.
    invoices: sql`SELECT 'invoiced_usage' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start
      FROM changed i CROSS JOIN LATERAL (
        -- Only the columns of edge_analytics_fees_on_invoice_id_created_at: an index-only scan.
        SELECT f.organization_id, f.created_at FROM fees f WHERE f.invoice_id = i.id OFFSET 0) f`,
    // A charge decides the metric (and so the code) of its fees.
    charges: sql`SELECT 'invoiced_usage' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start
      FROM changed c ${feesOf(sql`f.charge_id = c.id`)}`,
    // A metric decides the code of its charges' fees (a rename, say).
    billable_metrics: sql`SELECT 'invoiced_usage' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start
      FROM changed bm JOIN charges c ON c.billable_metric_id = bm.id ${feesOf(sql`f.charge_id = c.id`)}`,
  },
  firstBuild: { fees: everyPeriod("invoiced_usage", "month", feeEnds) },
  recompute: { invoiced_usage: invoicedUsage },
};

// A literal rather than a parameter: the planner then matches the partial index of charge fees
// (edge_analytics_fees_charge_months) whatever plan it makes, generic ones included.
const CHARGE_FEE = sql.raw(String(FEE_TYPE_CHARGE));

// Exactly the fees and the amount of the direct query (queries/invoiced-usage.ts), per month; then
// the month's answer (code, currency), rounded once and rendered as the endpoint returns it.
// Lago's rows are read through LATERAL ... OFFSET 0, so each bucket is an index range scan whatever
// the planner estimates for the queue.
function invoicedUsage(): SQL {
  return sql`cleared AS (${clearPicked("invoiced_usage_monthly", "month")}
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
  ), cleared_json AS (${clearPicked("invoiced_usage_json", "month")}
  ), cleared_edges AS (${clearPicked("invoiced_usage_edges", "month")}
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
    WHERE ${countedInvoice(sql`i`)}
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
    WHERE ${countedInvoice(sql`i`)}
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
           json_build_array(${utcInstantText(sql`r.month::timestamp`)},
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
