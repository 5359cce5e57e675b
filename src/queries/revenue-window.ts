import { sql, type SQL } from "drizzle-orm";

// What gross_revenue, invoice_collection, mrr and overdue_balance share: their filters, their window
// of UTC months, and the month text of their answers.

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
 * `first_month` and `end_month` (exclusive) of the window, as one row: never before the
 * organization's creation month (Lago's month series starts there), whatever `months` says.
 */
export function windowRow(organizationId: string, filters: RevenueFilters): SQL {
  const from = filters.from === undefined ? sql`'-infinity'::timestamp` : sql`${filters.from}::timestamp`;
  return sql`SELECT greatest(date_trunc('month', o.created_at), ${from}) AS first_month, ${filters.toExclusive}::timestamp AS end_month
    FROM organizations o WHERE o.id = ${organizationId}`;
}

/** Every month start of the window `w` (a windowRow), oldest first. */
export const windowMonths = (w: string) =>
  sql`generate_series(${sql.raw(w)}.first_month, ${sql.raw(w)}.end_month - interval '1 month', interval '1 month')`;

/** A UTC month start as the answers spell it: 2026-11-01T00:00:00.000Z. */
export const utcMonthText = (month: SQL) => sql`to_char(${month}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** `column IN (ids)`, or nothing when `ids` is undefined (no filter). */
export function inIds(column: SQL, ids: string[] | undefined): SQL {
  if (ids === undefined) return sql``;
  return sql`AND ${column} IN (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)})`;
}

/** `column = value`, or nothing when `value` is undefined. */
export const equalTo = (column: SQL, value: string | undefined): SQL => (value === undefined ? sql`` : sql`AND ${column} = ${value}`);

/** The organization's live customers with that external id (Lago keeps one per external id, plus deleted ones). */
export function customerIn(customerId: SQL, organizationId: string, externalCustomerId: string | undefined): SQL {
  if (externalCustomerId === undefined) return sql``;
  return sql`AND ${customerId} IN (SELECT c.id FROM customers c
    WHERE c.organization_id = ${organizationId} AND c.external_id = ${externalCustomerId} AND c.deleted_at IS NULL)`;
}
