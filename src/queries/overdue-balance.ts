import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import { type Answer, type Answers, countedInvoices, readAnswer, requestScope, type RevenueFilters, type Scope, scopeFilters } from "./revenue-window.ts";
import { utcInstantText } from "./fragments.ts";

export type OverdueBalanceRow = {
  month: string;
  amount_cents: string;
  currency: string;
  lago_invoice_ids: string[];
  billing_entity_id: string;
};

/**
 * Overdue invoices of a scope (by due date) per month, billing entity and currency: what is still
 * owed (total, less payments and finalized credit notes' offsets), exactly, and their ids, sorted.
 * Columns: month, billing_entity_id, currency, amount, invoice_ids.
 */
export function overdueRows(scope: Scope): SQL {
  const overdue = sql`AND i.payment_overdue IS TRUE AND i.payment_status IN (0, 2)`;
  return sql`SELECT date_trunc('month', i.payment_due_date::timestamp) AS month, i.billing_entity_id, i.currency,
      sum(i.total_amount_cents - i.total_paid_amount_cents - i.credited) AS amount, array_agg(i.id ORDER BY i.id) AS invoice_ids
    FROM (${countedInvoices(scope, sql`i.payment_due_date`, overdue, "offset_amount_cents")}) i
    GROUP BY 1, 2, 3`;
}

function storedOverdueRows(organizationId: string, filters: RevenueFilters): SQL {
  const scope = requestScope(organizationId, filters);
  return sql`SELECT r.month::timestamp AS month, r.billing_entity_id, r.currency, r.amount_cents AS amount, r.invoice_ids
    FROM edge_analytics.revenue_overdue_monthly r, w
    WHERE r.organization_id = ${scope.organizationId} AND r.month >= w.first_month AND r.month < w.end_month
      ${scopeFilters(scope, { currency: sql`r.currency`, billingEntityId: sql`r.billing_entity_id` })}`;
}

const overdueAnswer = (rows: SQL): Answer => ({
  ctes: [],
  select: sql`SELECT ${utcInstantText(sql`r.month`)} AS month, r.amount::text AS amount_cents, r.currency,
      r.invoice_ids::text[] AS lago_invoice_ids, r.billing_entity_id::text AS billing_entity_id
    FROM (${rows}) r
    ORDER BY r.month, r.currency COLLATE "C", r.billing_entity_id`,
});

/** Overdue balances per UTC month of the due date, currency and billing entity. */
export function readOverdueBalance(db: Database, organizationId: string, filters: RevenueFilters, useRollup: boolean) {
  return readAnswer<OverdueBalanceRow>(db, organizationId, filters, overdueBalanceAnswers(organizationId, filters), useRollup);
}

export const overdueBalanceAnswers = (organizationId: string, filters: RevenueFilters): Answers => ({
  direct: overdueAnswer(overdueRows(requestScope(organizationId, filters))),
  stored: overdueAnswer(storedOverdueRows(organizationId, filters)),
});
