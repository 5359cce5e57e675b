import { sql } from "drizzle-orm";
import type { Database } from "../env.ts";
import { equalTo, inIds, type RevenueFilters, utcMonthText, windowMonths, windowRow } from "./revenue-window.ts";

export type InvoiceCollectionRow = {
  month: string;
  payment_status: "pending" | "succeeded" | "failed" | null;
  invoices_count: string;
  amount_cents: string;
  currency: string | null;
};

/**
 * Finalized invoices per UTC issuing month, payment status and currency: their count and exact total.
 * Without a currency filter every window month without an invoice still gets one placeholder row
 * (status and currency null, zeros), as Lago answers.
 */
export async function invoiceCollection(db: Database, organizationId: string, filters: RevenueFilters): Promise<InvoiceCollectionRow[]> {
  const placeholders = filters.currency === undefined
    ? sql`UNION ALL
      SELECT m, NULL, 0, 0, NULL FROM w, ${windowMonths("w")} AS m
      WHERE NOT EXISTS (SELECT 1 FROM totals t WHERE t.month = m)`
    : sql``;
  const result = await db.execute<InvoiceCollectionRow>(sql`
    WITH w AS (${windowRow(organizationId, filters)}),
    totals AS (
      SELECT date_trunc('month', i.issuing_date::timestamp) AS month,
        (CASE i.payment_status WHEN 0 THEN 'pending' WHEN 1 THEN 'succeeded' WHEN 2 THEN 'failed' END) AS payment_status,
        count(*) AS invoices_count, sum(i.total_amount_cents) AS amount_cents, i.currency
      FROM invoices i, w
      WHERE i.organization_id = ${organizationId} AND i.status = 1 AND i.self_billed IS FALSE
        AND i.payment_dispute_lost_at IS NULL AND i.payment_status IN (0, 1, 2) AND i.currency IS NOT NULL
        AND i.issuing_date >= w.first_month AND i.issuing_date < w.end_month
        ${equalTo(sql`i.currency`, filters.currency)} ${inIds(sql`i.billing_entity_id`, filters.billingEntityIds)}
      GROUP BY 1, 2, i.currency
    ),
    answer AS (
      SELECT month, payment_status, invoices_count, amount_cents, currency FROM totals
      ${placeholders}
    )
    SELECT ${utcMonthText(sql`month`)} AS month, payment_status, invoices_count::text AS invoices_count,
      amount_cents::text AS amount_cents, currency
    FROM answer
    ORDER BY answer.month, payment_status COLLATE "C", currency COLLATE "C"`);
  return result.rows;
}
