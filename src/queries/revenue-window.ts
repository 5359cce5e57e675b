import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import { countedInvoice } from "./fragments.ts";
import { type Read, readRollup, rollupOrDirect } from "./rollup-status.ts";

// What gross_revenue, invoice_collection, mrr and overdue_balance share: their filters, their window
// of UTC months, the month text of their answers, and the scope their rows are read in.

export type RevenueFilters = {
  currency: string | undefined;
  /** Billing entities whose rows count; undefined = all. */
  billingEntityIds: string[] | undefined;
  /** customers.external_id (gross_revenue and overdue_balance only); undefined = every customer. */
  externalCustomerId?: string | undefined;
  /** First month of the window ('YYYY-MM-DD 00:00:00'); undefined = the organization's creation month. */
  from: string | undefined;
  /** The month after the window's last (the current UTC month). */
  toExclusive: string;
};

/**
 * Where the rows of an endpoint are read: one organization, and a range [from, to) of the date that
 * places a row in its month (issuing date, due date, creation time). The direct query reads the
 * request's window with its filters; the refresh reads one bucket month without filters. Both go
 * through the same fragments, so the rollup holds exactly what the direct query counts. (The refresh
 * names its bucket `p`: no fragment may use that alias.)
 */
export type Scope = { organizationId: SQL; from: SQL; to: SQL; filters?: Omit<RevenueFilters, "from" | "toExclusive"> };

/** A request's scope: its organization, the window `w` (a windowRow) and its filters. */
export const requestScope = (organizationId: string, filters: RevenueFilters): Scope => ({
  organizationId: sql`${organizationId}::uuid`,
  from: sql`(SELECT first_month FROM w)`,
  to: sql`(SELECT end_month FROM w)`,
  filters,
});

/**
 * `first_month` and `end_month` (exclusive) of the window, as one row: never before the
 * organization's creation month (Lago's month series starts there), whatever `months` says.
 */
export function windowRow(organizationId: string, filters: RevenueFilters): SQL {
  const from = filters.from === undefined ? sql`'-infinity'::timestamp` : sql`${filters.from}::timestamp`;
  return sql`SELECT greatest(date_trunc('month', o.created_at), ${from}) AS first_month, ${filters.toExclusive}::timestamp AS end_month
    FROM organizations o WHERE o.id = ${organizationId}`;
}

/** Every month start of the window `w` (a windowRow), oldest first. */
export const windowMonths = sql`generate_series(w.first_month, w.end_month - interval '1 month', interval '1 month')`;

/** The scope's filters on a row: its currency, its billing entity and (when given) its customer. */
export function scopeFilters(scope: Scope, columns: { currency: SQL; billingEntityId: SQL; customerId?: SQL }): SQL {
  const f = scope.filters;
  if (f === undefined) return sql``;
  const parts: SQL[] = [];
  if (f.currency !== undefined) parts.push(sql`AND ${columns.currency} = ${f.currency}`);
  if (f.billingEntityIds !== undefined) {
    parts.push(sql`AND ${columns.billingEntityId} IN (${sql.join(f.billingEntityIds.map((id) => sql`${id}::uuid`), sql`, `)})`);
  }
  if (f.externalCustomerId !== undefined && columns.customerId !== undefined) {
    // The organization's live customers with that external id (Lago keeps one, plus deleted ones).
    parts.push(sql`AND ${columns.customerId} IN (SELECT c.id FROM customers c
      WHERE c.organization_id = ${scope.organizationId} AND c.external_id = ${f.externalCustomerId} AND c.deleted_at IS NULL)`);
  }
  return sql.join(parts, sql` `);
}

/**
 * Finalized invoices the revenue endpoints count (not self-billed, no lost dispute, with a
 * currency), as `i`, with `extra` conditions; Σ of their finalized credit notes' `column` as `credited`.
 */
export function countedInvoices(scope: Scope, dated: SQL, extra: SQL, creditColumn: "refund_amount_cents" | "offset_amount_cents"): SQL {
  return sql`SELECT i.*, coalesce((SELECT sum(cn.${sql.raw(creditColumn)}) FROM credit_notes cn
      WHERE cn.invoice_id = i.id AND cn.status = 1), 0) AS credited
    FROM invoices i
    WHERE i.organization_id = ${scope.organizationId} AND ${countedInvoice(sql`i`)} AND i.currency IS NOT NULL
      AND ${dated} >= ${scope.from} AND ${dated} < ${scope.to} ${extra}
      ${scopeFilters(scope, { currency: sql`i.currency`, billingEntityId: sql`i.billing_entity_id`, customerId: sql`i.customer_id` })}`;
}

/** An endpoint's answer over the window `w`: named CTEs it needs (`name AS (…)`), then its ordered SELECT. */
export type Answer = { ctes: SQL[]; select: SQL };

const withWindow = (organizationId: string, filters: RevenueFilters, ctes: SQL[]) => [sql`w AS (${windowRow(organizationId, filters)})`, ...ctes];

/** The answer from the rollup, or undefined when it may not answer (not built, not fresh, a failing bucket). */
export function readStored<T>(db: Database, organizationId: string, filters: RevenueFilters, { ctes, select }: Answer): Promise<Read<T> | undefined> {
  // A sorted subquery feeds json_agg in its order (nothing else happens at that level).
  const rows = sql`SELECT coalesce(json_agg(a), '[]'::json) FROM (${select}) a`;
  return readRollup<T[], T>(db, organizationId, { rollup: "revenue", ctes: withWindow(organizationId, filters, ctes), rows }, (r) => r ?? []);
}

/** The answer from Lago's tables. */
export async function readDirect<T>(db: Database, organizationId: string, filters: RevenueFilters, { ctes, select }: Answer): Promise<T[]> {
  return (await db.execute<T & Record<string, unknown>>(sql`WITH ${sql.join(withWindow(organizationId, filters, ctes), sql`, `)} ${select}`)).rows;
}

/** An endpoint's two ways to its answer: summed from Lago's tables, or read from the rollup. */
export type Answers = { direct: Answer; stored: Answer };

/** The rollup's answer when `useRollup` and it may answer, otherwise Lago's tables'. */
export function readAnswer<T>(db: Database, organizationId: string, filters: RevenueFilters, answers: Answers, useRollup: boolean): Promise<Read<T>> {
  return rollupOrDirect(
    useRollup ? () => readStored<T>(db, organizationId, filters, answers.stored) : undefined,
    () => readDirect<T>(db, organizationId, filters, answers.direct),
  );
}
