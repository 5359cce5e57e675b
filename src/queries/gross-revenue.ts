import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import { utcInstantText } from "./fragments.ts";
import {
  type Answer, type Answers, countedInvoices, readAnswer, requestScope, type RevenueFilters, type Scope, scopeFilters, windowMonths,
} from "./revenue-window.ts";

// gross_revenue and invoice_collection read the same rows: per month, billing entity, currency and
// payment status, the counted invoices (their number, total and finalized refunds) and the
// pay-in-advance fees no invoice holds (payment status NULL, no invoice). The direct query sums them
// from Lago's tables; the rollup stores them per month (edge_analytics.revenue_monthly).

export type GrossRevenueRow = { month: string; amount_cents: string; currency: string; invoices_count: string; billing_entity_id: string };
export type InvoiceCollectionRow = {
  month: string;
  payment_status: "pending" | "succeeded" | "failed" | null;
  invoices_count: string;
  amount_cents: string;
  currency: string | null;
};

/** The revenue rows of a scope: month, billing_entity_id, currency, payment_status, invoices, amount, refund. */
export function revenueRows(scope: Scope): SQL {
  return sql`SELECT month, billing_entity_id, currency, payment_status, sum(invoices) AS invoices, sum(amount) AS amount, sum(refund) AS refund
    FROM (
      SELECT date_trunc('month', i.issuing_date::timestamp) AS month, i.billing_entity_id, i.currency, i.payment_status,
        1 AS invoices, i.total_amount_cents::numeric AS amount, i.credited::numeric AS refund
      FROM (${countedInvoices(scope, sql`i.issuing_date`, sql``, "refund_amount_cents")}) i
      UNION ALL
      -- Paid in advance and never invoiced: revenue of the month the fee was made.
      SELECT date_trunc('month', f.created_at), f.billing_entity_id, f.amount_currency, NULL::int, 0, f.amount_cents::numeric, 0
      FROM fees f
      JOIN subscriptions s ON s.id = f.subscription_id
      JOIN customers c ON c.id = s.customer_id AND c.organization_id = ${scope.organizationId}
      WHERE f.organization_id = ${scope.organizationId} AND f.invoice_id IS NULL AND f.pay_in_advance IS TRUE AND f.deleted_at IS NULL
        AND f.created_at >= ${scope.from} AND f.created_at < ${scope.to}
        ${scopeFilters(scope, { currency: sql`f.amount_currency`, billingEntityId: sql`f.billing_entity_id`, customerId: sql`c.id` })}
    ) items
    GROUP BY month, billing_entity_id, currency, payment_status`;
}

/** The stored revenue rows of the request's window, in revenueRows' columns. */
function storedRevenueRows(organizationId: string, filters: RevenueFilters): SQL {
  const scope = requestScope(organizationId, filters);
  return sql`SELECT r.month::timestamp AS month, r.billing_entity_id, r.currency, r.payment_status,
      r.invoices_count AS invoices, r.amount_cents AS amount, r.refund_cents AS refund
    FROM edge_analytics.revenue_monthly r, w
    WHERE r.organization_id = ${scope.organizationId} AND r.month >= w.first_month AND r.month < w.end_month
      ${scopeFilters(scope, { currency: sql`r.currency`, billingEntityId: sql`r.billing_entity_id` })}`;
}

/** One row per month, currency and billing entity: total less refunds, and the number of invoices. */
const grossAnswer = (rows: SQL): Answer => ({
  ctes: [],
  select: sql`SELECT ${utcInstantText(sql`month`)} AS month, sum(amount - refund)::text AS amount_cents, currency,
      sum(invoices)::text AS invoices_count, billing_entity_id::text AS billing_entity_id
    FROM (${rows}) r
    GROUP BY r.month, currency, billing_entity_id
    ORDER BY r.month, currency COLLATE "C", billing_entity_id`,
});

/**
 * One row per month, payment status and currency; without a currency filter a window month without
 * an invoice gets one placeholder row (status and currency null, zeros), as Lago answers.
 */
function collectionAnswer(rows: SQL, filters: RevenueFilters): Answer {
  const placeholders = filters.currency === undefined
    ? sql`UNION ALL SELECT m, NULL, 0, 0, NULL FROM w, ${windowMonths} AS m WHERE NOT EXISTS (SELECT 1 FROM collected t WHERE t.month = m)`
    : sql``;
  return {
    ctes: [sql`collected AS (
      SELECT month, (CASE payment_status WHEN 0 THEN 'pending' WHEN 1 THEN 'succeeded' WHEN 2 THEN 'failed' END) AS payment_status,
        sum(invoices) AS invoices_count, sum(amount) AS amount_cents, currency
      FROM (${rows}) r WHERE payment_status IN (0, 1, 2)
      GROUP BY month, 2, currency
    )`],
    select: sql`SELECT ${utcInstantText(sql`c.month`)} AS month, c.payment_status, c.invoices_count::text AS invoices_count,
        c.amount_cents::text AS amount_cents, c.currency
      FROM (SELECT month, payment_status, invoices_count, amount_cents, currency FROM collected ${placeholders}) c
      ORDER BY c.month, c.payment_status COLLATE "C", c.currency COLLATE "C"`,
  };
}

/**
 * Gross revenue per UTC month, currency and billing entity: finalized invoices (less their finalized
 * credit notes' refunds) in their issuing month, plus pay-in-advance fees never invoiced, in the
 * month they were created. Exact integer sums; oldest month first.
 */
export function readGrossRevenue(db: Database, organizationId: string, filters: RevenueFilters, useRollup: boolean) {
  return readAnswer<GrossRevenueRow>(db, organizationId, filters, grossRevenueAnswers(organizationId, filters), useRollup);
}

/** Finalized invoices per UTC issuing month, payment status and currency: their count and exact total. */
export function readInvoiceCollection(db: Database, organizationId: string, filters: RevenueFilters, useRollup: boolean) {
  return readAnswer<InvoiceCollectionRow>(db, organizationId, filters, invoiceCollectionAnswers(organizationId, filters), useRollup);
}

export const grossRevenueAnswers = (organizationId: string, filters: RevenueFilters): Answers => ({
  direct: grossAnswer(revenueRows(requestScope(organizationId, filters))),
  stored: grossAnswer(storedRevenueRows(organizationId, filters)),
});

export const invoiceCollectionAnswers = (organizationId: string, filters: RevenueFilters): Answers => ({
  direct: collectionAnswer(revenueRows(requestScope(organizationId, filters)), filters),
  stored: collectionAnswer(storedRevenueRows(organizationId, filters), filters),
});
