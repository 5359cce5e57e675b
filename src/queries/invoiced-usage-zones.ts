import { sql, type SQL } from "drizzle-orm";
import { hasSqlState } from "../db-errors.ts";
import type { Database } from "../env.ts";
import { localTime, monthStartText, utcInstant } from "../time/zones.ts";
import type { InvoicedUsageFilters, InvoicedUsageRow } from "./invoiced-usage.ts";
import { type Read, readRollup } from "./rollup-status.ts";

// Storing a rendered month is an optimisation: when it cannot be done (a read-only replica 25006, a
// role without INSERT 42501, a deadlock with a concurrent refresh 40P01, a serialization failure
// 40001) the months are rendered again without storing them.
const NOT_STORED_SQLSTATES = new Set(["25006", "42501", "40P01", "40001"]);

/**
 * invoiced_usage per calendar month of `filters.timeZone`, from the rollups: a local month is its UTC
 * month (invoiced_usage_monthly) with the fees between each of its two boundaries (local midnight
 * on the 1st, an instant within 14 hours of UTC midnight) moved across, read from the quarter-hour
 * edges. Without a billing entity filter each month is stored rendered once computed
 * (invoiced_usage_zone_json) and read back while the UTC months it came from are unchanged. Undefined
 * when the rollup may not answer: not built, a failing bucket, or a boundary that is not a whole
 * quarter hour within the edges' reach (then Lago's tables answer).
 */
export async function invoicedUsageInZoneFromRollup(
  db: Database,
  organizationId: string,
  filters: InvoicedUsageFilters & { timeZone: string },
): Promise<Read<InvoicedUsageRow> | undefined> {
  const stored = filters.billingEntityIds === undefined;
  try {
    return await readZone(db, organizationId, filters, stored);
  } catch (err) {
    if (!stored || !hasSqlState(err, NOT_STORED_SQLSTATES)) throw err;
    return readZone(db, organizationId, filters, false);
  }
}

function readZone(
  db: Database,
  organizationId: string,
  filters: InvoicedUsageFilters & { timeZone: string },
  stored: boolean,
): Promise<Read<InvoicedUsageRow> | undefined> {
  const zone = filters.timeZone;
  const currencyKey = filters.currency ?? "";
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
  // Stored months valid now (their UTC months' generations unchanged), when this read may use them.
  const cached = stored
    ? sql`SELECT z.month, z.rows_json FROM edge_analytics.invoiced_usage_zone_json z JOIN gen ON gen.month = z.month AND gen.generation = z.generation
        WHERE z.organization_id = ${organizationId} AND z.zone = ${zone} AND z.currency = ${currencyKey}`
    : sql`SELECT NULL::date AS month, NULL::text AS rows_json WHERE false`;
  const store = stored
    ? [sql`store AS (
        INSERT INTO edge_analytics.invoiced_usage_zone_json AS z (organization_id, zone, currency, month, generation, rows_json)
        SELECT ${organizationId}, ${zone}, ${currencyKey}, r.month, g.generation, r.rows_json
        FROM rendered r JOIN gen g ON g.month = r.month
        WHERE (SELECT ok FROM ready) AND (SELECT ok FROM sound)
        -- One order for every writer, so two requests storing the same months never deadlock.
        ORDER BY r.month
        ON CONFLICT (organization_id, zone, currency, month) DO UPDATE SET generation = excluded.generation, rows_json = excluded.rows_json
          WHERE z.generation < excluded.generation
      )`]
    : [];
  const ctes = [sql`span AS (SELECT ${first} AS first_month, ${filters.toExclusive}::timestamp AS end_month),
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
    -- A zone month is read from the UTC months around it: the sum of their generations, in this snapshot.
    gen AS (
      SELECT b.month, coalesce((SELECT sum(g.generation) FROM edge_analytics.invoiced_usage_generations g
        WHERE g.organization_id = ${organizationId}
          AND g.month BETWEEN (b.month - interval '1 month')::date AND (b.month + interval '1 month')::date), 0) AS generation
      FROM bounds b, span WHERE b.month < span.end_month
    ),
    cached AS (${cached}),
    missing AS (SELECT g.month FROM gen g WHERE NOT EXISTS (SELECT 1 FROM cached c WHERE c.month = g.month)),
    parts AS (
      SELECT r.month, r.billable_metric_id, r.amount_currency, r.amount_cents AS amount, r.fees_count AS n
      FROM edge_analytics.invoiced_usage_monthly r
      WHERE r.organization_id = ${organizationId} AND r.month IN (SELECT month FROM missing) ${keep("r")}
      UNION ALL
      -- A fee between a zone's month start and the UTC one belongs to the month that starts there in
      -- the zone: added to it and taken from the month before (or the reverse, west of UTC).
      SELECT v.month, e.billable_metric_id, e.amount_currency, v.sign * e.amount_cents, v.sign * e.fees_count
      FROM (SELECT * FROM bounds x WHERE x.month IN (SELECT month FROM missing)
              OR (x.month - interval '1 month')::date IN (SELECT month FROM missing)) x
      JOIN edge_analytics.invoiced_usage_edges e ON e.organization_id = ${organizationId}
        AND e.slot >= least(x.zone_start, x.utc_start) AND e.slot < greatest(x.zone_start, x.utc_start) ${keep("e")}
      CROSS JOIN LATERAL (VALUES
        (x.month, CASE WHEN x.zone_start < x.utc_start THEN 1 ELSE -1 END),
        ((x.month - interval '1 month')::date, CASE WHEN x.zone_start < x.utc_start THEN -1 ELSE 1 END)) AS v(month, sign)
      WHERE v.month IN (SELECT month FROM missing)
    ),
    totals AS (
      SELECT p.month, bm.code, p.amount_currency AS currency, round(sum(p.amount)) AS amount
      FROM parts p LEFT JOIN billable_metrics bm ON bm.id = p.billable_metric_id
      GROUP BY p.month, bm.code, p.amount_currency
      -- Fee counts, moved like the amounts: a group exists when a fee does, even one summing to 0.
      HAVING sum(p.n) > 0
    ),
    -- Each missing month's rows as JSON text, in the endpoint's order ('' for a month without rows).
    rendered AS (
      SELECT m.month, coalesce(string_agg(json_build_array(b.month_text, t.code, t.currency, t.amount::text)::text, ','
          ORDER BY t.amount DESC, t.code COLLATE "C" NULLS LAST, t.currency COLLATE "C") FILTER (WHERE t.month IS NOT NULL), '') AS rows_json
      FROM missing m JOIN bounds b ON b.month = m.month LEFT JOIN totals t ON t.month = m.month
      GROUP BY m.month
    )`, ...store];
  const rows = sql`SELECT string_agg(x.rows_json, ',' ORDER BY x.month DESC)
    FROM (SELECT month, rows_json FROM cached UNION ALL SELECT month, rows_json FROM rendered) x WHERE x.rows_json <> ''`;
  return readRollup<string, InvoicedUsageRow>(db, organizationId, { rollup: "invoiced_usage_tz", ctes, rows, alsoReady: sql`(SELECT ok FROM sound)` },
    (text) => (JSON.parse(`[${text ?? ""}]`) as [string, string | null, string, string][])
      .map(([month, code, currency, amountCents]) => ({ month, code, currency, amountCents })));
}

