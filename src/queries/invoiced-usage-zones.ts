import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import { localTime, monthStartText, utcInstant } from "../time/zones.ts";
import type { InvoicedUsageFilters, InvoicedUsageRow } from "./invoiced-usage.ts";
import { freshAsOfMs, type Read, rollupFreshAsOf, rollupReady } from "./rollup-status.ts";

/**
 * invoiced_usage per calendar month of `filters.timeZone`, from the rollups: a local month is its UTC
 * month (invoiced_usage_monthly) with the fees between each of its two boundaries (local midnight
 * on the 1st, an instant within 14 hours of UTC midnight) moved across, read from the quarter-hour
 * edges. Undefined when the rollup may not answer: not built, a failing bucket, or a boundary that
 * is not a whole quarter hour within the edges' reach (then Lago's tables answer).
 */
export async function invoicedUsageInZoneFromRollup(
  db: Database,
  organizationId: string,
  filters: InvoicedUsageFilters & { timeZone: string },
): Promise<Read<InvoicedUsageRow> | undefined> {
  const zone = filters.timeZone;
  const first = filters.from === undefined
    ? sql`(SELECT date_trunc('month', ${localTime(sql`o.created_at`, zone)}) FROM organizations o WHERE o.id = ${organizationId})`
    : sql`${filters.from}::timestamp`;
  const keep = (table: string): SQL => {
    const kept: SQL[] = [];
    if (filters.currency) kept.push(sql`AND ${sql.raw(table)}.amount_currency = ${filters.currency}`);
    if (filters.billingEntityIds) {
      kept.push(sql`AND ${sql.raw(table)}.billing_entity_id IN (${sql.join(filters.billingEntityIds.map((id) => sql`${id}::uuid`), sql`, `)})`);
    }
    return sql.join(kept, sql` `);
  };
  const result = await db.execute<{ ready: boolean; rows: [string, string | null, string, string][] | null; fresh_as_of: string | null }>(sql`
    WITH ready AS (SELECT ${rollupReady("invoiced_usage_tz", organizationId)} AS ok),
    span AS (SELECT ${first} AS first_month, ${filters.toExclusive}::timestamp AS end_month),
    bounds AS (
      -- Each month's text is made once here, not once per answer row.
      SELECT m::date AS month, m AS utc_start, ${utcInstant(sql`m`, zone)} AS zone_start, ${monthStartText(sql`m`, zone)} AS month_text
      FROM span, generate_series(span.first_month, span.end_month, interval '1 month') AS m
    ),
    sound AS (
      SELECT coalesce(bool_and(extract(epoch FROM zone_start)::bigint % 900 = 0
        AND zone_start BETWEEN utc_start - interval '14 hours' AND utc_start + interval '12 hours'), true) AS ok
      FROM bounds
    ),
    parts AS (
      SELECT r.month, r.billable_metric_id, r.amount_currency, r.amount_cents AS amount, r.fees_count AS n
      FROM edge_analytics.invoiced_usage_monthly r, span
      WHERE r.organization_id = ${organizationId} AND r.month >= span.first_month AND r.month < span.end_month ${keep("r")}
      UNION ALL
      -- A fee between a zone's month start and the UTC one belongs to the month that starts there in
      -- the zone: added to it and taken from the month before (or the reverse, west of UTC).
      SELECT v.month, e.billable_metric_id, e.amount_currency, v.sign * e.amount_cents, v.sign * e.fees_count
      FROM bounds x
      JOIN edge_analytics.invoiced_usage_edges e ON e.organization_id = ${organizationId}
        AND e.slot >= least(x.zone_start, x.utc_start) AND e.slot < greatest(x.zone_start, x.utc_start) ${keep("e")}
      CROSS JOIN LATERAL (VALUES
        (x.month, CASE WHEN x.zone_start < x.utc_start THEN 1 ELSE -1 END),
        ((x.month - interval '1 month')::date, CASE WHEN x.zone_start < x.utc_start THEN -1 ELSE 1 END)) AS v(month, sign)
    ),
    totals AS (
      SELECT p.month, bm.code, p.amount_currency AS currency, round(sum(p.amount)) AS amount
      FROM parts p LEFT JOIN billable_metrics bm ON bm.id = p.billable_metric_id, span
      WHERE p.month >= span.first_month AND p.month < span.end_month
      GROUP BY p.month, bm.code, p.amount_currency
      -- Fee counts, moved like the amounts: a group exists when a fee does, even one summing to 0.
      HAVING sum(p.n) > 0
    )
    SELECT (SELECT ok FROM ready) AND (SELECT ok FROM sound) AS ready,
      (SELECT json_agg(json_build_array(b.month_text, t.code, t.currency, t.amount::text)
         ORDER BY t.month DESC, t.amount DESC, t.code COLLATE "C" NULLS LAST, t.currency COLLATE "C")
       FROM totals t JOIN bounds b ON b.month = t.month) AS rows,
      ${rollupFreshAsOf("invoiced_usage_tz")} AS fresh_as_of`);
  const row = result.rows[0];
  if (!row?.ready) return undefined;
  const rows = (row.rows ?? []).map(([month, code, currency, amountCents]) => ({ month, code, currency, amountCents }));
  return { rows, dataAt: freshAsOfMs(row.fresh_as_of) };
}
