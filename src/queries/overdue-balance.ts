import { sql } from "drizzle-orm";
import type { Database } from "../env.ts";
import { customerIn, equalTo, inIds, type RevenueFilters, utcMonthText, windowRow } from "./revenue-window.ts";

export type OverdueBalanceRow = {
  month: string;
  amount_cents: string;
  currency: string;
  lago_invoice_ids: string[];
  billing_entity_id: string;
};

/**
 * Overdue invoices per UTC month of their due date, currency and billing entity: what is still owed
 * (total, less payments and finalized credit notes' offsets), exactly, with the invoices' ids sorted.
 */
export async function overdueBalance(db: Database, organizationId: string, filters: RevenueFilters): Promise<OverdueBalanceRow[]> {
  const result = await db.execute<OverdueBalanceRow>(sql`
    WITH w AS (${windowRow(organizationId, filters)}),
    owed AS (
      SELECT date_trunc('month', i.payment_due_date::timestamp) AS month, i.currency, i.billing_entity_id, i.id,
        i.total_amount_cents - i.total_paid_amount_cents - coalesce((SELECT sum(cn.offset_amount_cents) FROM credit_notes cn
          WHERE cn.invoice_id = i.id AND cn.status = 1), 0) AS amount
      FROM invoices i, w
      WHERE i.organization_id = ${organizationId} AND i.self_billed IS FALSE AND i.payment_overdue IS TRUE
        AND i.status = 1 AND i.payment_status IN (0, 2) AND i.payment_dispute_lost_at IS NULL AND i.currency IS NOT NULL
        AND i.payment_due_date >= w.first_month AND i.payment_due_date < w.end_month
        ${equalTo(sql`i.currency`, filters.currency)} ${inIds(sql`i.billing_entity_id`, filters.billingEntityIds)}
        ${customerIn(sql`i.customer_id`, organizationId, filters.externalCustomerId)}
    )
    SELECT ${utcMonthText(sql`month`)} AS month, sum(amount)::text AS amount_cents, currency,
      array_agg(id::text ORDER BY id) AS lago_invoice_ids, billing_entity_id::text AS billing_entity_id
    FROM owed
    GROUP BY month, currency, billing_entity_id
    ORDER BY month, currency COLLATE "C", billing_entity_id`);
  return result.rows;
}
