import { sql } from "drizzle-orm";
import type { Database } from "../env.ts";
import { customerIn, equalTo, inIds, type RevenueFilters, utcMonthText, windowRow } from "./revenue-window.ts";

export type GrossRevenueRow = {
  month: string;
  /** Exact decimal text of the integer sum. */
  amount_cents: string;
  currency: string;
  invoices_count: string;
  billing_entity_id: string;
};

/**
 * Gross revenue per UTC month, currency and billing entity: finalized invoices (less their finalized
 * credit notes' refunds) in their issuing month, plus pay-in-advance fees never invoiced, in the
 * month they were created. Exact integer sums; oldest month first.
 */
export async function grossRevenue(db: Database, organizationId: string, filters: RevenueFilters): Promise<GrossRevenueRow[]> {
  const result = await db.execute<GrossRevenueRow>(sql`
    WITH w AS (${windowRow(organizationId, filters)}),
    items AS (
      SELECT date_trunc('month', i.issuing_date::timestamp) AS month, i.currency, i.billing_entity_id,
        i.total_amount_cents - coalesce((SELECT sum(cn.refund_amount_cents) FROM credit_notes cn
          WHERE cn.invoice_id = i.id AND cn.status = 1), 0) AS amount,
        1 AS invoices
      FROM invoices i, w
      WHERE i.organization_id = ${organizationId} AND i.status = 1 AND i.self_billed IS FALSE
        AND i.payment_dispute_lost_at IS NULL AND i.currency IS NOT NULL
        AND i.issuing_date >= w.first_month AND i.issuing_date < w.end_month
        ${equalTo(sql`i.currency`, filters.currency)} ${inIds(sql`i.billing_entity_id`, filters.billingEntityIds)}
        ${customerIn(sql`i.customer_id`, organizationId, filters.externalCustomerId)}
      UNION ALL
      -- Paid in advance and never invoiced: revenue of the day the fee was made.
      SELECT date_trunc('month', f.created_at), f.amount_currency, f.billing_entity_id, f.amount_cents, 0
      FROM fees f
      JOIN subscriptions s ON s.id = f.subscription_id
      JOIN customers c ON c.id = s.customer_id AND c.organization_id = ${organizationId}, w
      WHERE f.organization_id = ${organizationId} AND f.invoice_id IS NULL AND f.pay_in_advance IS TRUE AND f.deleted_at IS NULL
        AND f.created_at >= w.first_month AND f.created_at < w.end_month
        ${equalTo(sql`f.amount_currency`, filters.currency)} ${inIds(sql`f.billing_entity_id`, filters.billingEntityIds)}
        ${customerIn(sql`c.id`, organizationId, filters.externalCustomerId)}
    )
    SELECT ${utcMonthText(sql`month`)} AS month, sum(amount)::text AS amount_cents, currency,
      sum(invoices)::text AS invoices_count, billing_entity_id::text AS billing_entity_id
    FROM items
    GROUP BY month, currency, billing_entity_id
    ORDER BY month, currency COLLATE "C", billing_entity_id`);
  return result.rows;
}
