import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import { utcInstantText } from "./fragments.ts";
import { invoicedUsage, type InvoicedUsageFilters, type InvoicedUsageRow } from "./invoiced-usage.ts";
import { invoicedUsageInZoneFromRollup } from "./invoiced-usage-zones.ts";
import { type Read, readRollup, rollupOrDirect } from "./rollup-status.ts";

/**
 * invoiced_usage as the endpoint answers it: from the monthly rollup when it is built, otherwise
 * (not built yet, an organization whose refresh fails, no rollup schema) from Lago's tables.
 * Both give the same rows; the rollup reads a few rows per month instead of every fee.
 */
export async function readInvoicedUsage(
  db: Database,
  organizationId: string,
  filters: InvoicedUsageFilters,
  useRollup: boolean,
): Promise<Read<InvoicedUsageRow>> {
  const { timeZone } = filters;
  const fromRollup = () =>
    timeZone === undefined
      ? invoicedUsageFromRollup(db, organizationId, filters)
      : invoicedUsageInZoneFromRollup(db, organizationId, { ...filters, timeZone });
  return rollupOrDirect(useRollup ? fromRollup : undefined, () => invoicedUsage(db, organizationId, filters));
}

/** The rows from the rollup, or undefined when the rollup may not answer for this organization. */
export function invoicedUsageFromRollup(
  db: Database,
  organizationId: string,
  filters: InvoicedUsageFilters,
): Promise<Read<InvoicedUsageRow> | undefined> {
  // Month bounds: a fee's month is >= a month start exactly when the fee is, and likewise for <.
  const from = filters.from === undefined
    ? sql`(SELECT date_trunc('month', o.created_at)::date FROM organizations o WHERE o.id = ${organizationId})`
    : sql`${filters.from}::timestamp::date`;
  const conditions: SQL[] = [
    sql`r.organization_id = ${organizationId}`,
    sql`r.month >= ${from}`,
    sql`r.month < ${filters.toExclusive}::timestamp::date`,
  ];
  const where = sql.join(conditions, sql` AND `);
  // Without a billing entity each month's answer is stored rendered: the months are only
  // concatenated. With one, the per-entity sums are added up, rounded and rendered here. Either way
  // one JSON value per month, newest first (see RenderedMonth).
  const months = filters.billingEntityIds
    ? sql`SELECT string_agg(json_build_array(${utcInstantText(sql`t.month::timestamp`)}, t.rows)::text, ',' ORDER BY t.month DESC)
        FROM (SELECT month, json_agg(json_build_array(code, currency, amount::text)
                ORDER BY amount DESC, code COLLATE "C" NULLS LAST, currency COLLATE "C") AS rows
              FROM (SELECT r.month, bm.code, r.amount_currency AS currency, round(sum(r.amount_cents)) AS amount
                    FROM edge_analytics.invoiced_usage_monthly r LEFT JOIN billable_metrics bm ON bm.id = r.billable_metric_id
                    WHERE ${where} AND r.billing_entity_id IN (${sql.join(filters.billingEntityIds.map((id) => sql`${id}::uuid`), sql`, `)})
                      ${filters.currency ? sql`AND r.amount_currency = ${filters.currency}` : sql``}
                    GROUP BY r.month, bm.code, r.amount_currency) sums
              GROUP BY month) t`
    : sql`SELECT string_agg(r.rows_json, ',' ORDER BY r.month DESC) FROM edge_analytics.invoiced_usage_json r
        WHERE ${where} AND ${filters.currency ? sql`r.currency = ${filters.currency}` : sql`r.currency IS NULL`}`;
  // The answer as JSON text: one value to parse rather than a row per (month, code, currency).
  // Amounts are exact decimal text.
  return readRollup<string, InvoicedUsageRow>(db, organizationId, { rollup: "invoiced_usage", rows: months },
    (text) => (JSON.parse(`[${text ?? ""}]`) as RenderedMonth[]).flatMap(decodeMonth));
}

// A month as stored by the refresh, [month, codes, currencies, [[code index, currency index, amount]]]
// (amount a JSON number while exact, else decimal text), or as rendered per request for a billing
// entity, [month, [[code, currency, "amount"]]].
type RenderedMonth =
  | [string, (string | null)[], string[], [number, number, number | string][]]
  | [string, [string | null, string, string][]];

function decodeMonth(m: RenderedMonth): InvoicedUsageRow[] {
  if (m.length === 2) return m[1].map(([code, currency, amountCents]) => ({ month: m[0], code, currency, amountCents }));
  const [month, codes, currencies, rows] = m;
  return rows.map(([ci, cu, amount]) => ({
    month, code: codes[ci] ?? null, currency: currencies[cu] ?? "", amountCents: String(amount),
  }));
}
