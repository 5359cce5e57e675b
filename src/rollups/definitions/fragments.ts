// SQL the rollup definitions share: how a change reaches Lago's rows, and a first build's buckets.
import { sql, type SQL } from "drizzle-orm";
import { SOURCE_TABLES } from "../kinds.ts";

// fees.created_at and daily_usages.usage_date are never changed by Lago, so the bucket of the row as
// it is now is the bucket it was counted in; likewise an invoice's issuing and due dates once it is
// finalized (before, it counts nowhere).
// A changed row reaches fees and invoices through LATERAL ... OFFSET 0: an index lookup per changed
// row, never a scan. A chunk's few rows are estimated in the thousands, and a hash join would then
// read every invoice (or fee) of the database to find theirs.
export const feesOf = (on: SQL) => sql`CROSS JOIN LATERAL (SELECT * FROM fees f WHERE ${on} OFFSET 0) f`;
export const invoiceOf = (on: SQL, join = sql`CROSS JOIN LATERAL`) => sql`${join} (SELECT * FROM invoices i WHERE ${on} OFFSET 0) i`;

// The first build's buckets (a table's first read, before any rollup exists), per organization,
// from where its rows begin and end: every month (or day) in between is queued, whether or not it
// holds a row, since recomputing an empty bucket is cheap and skipping a full one would be wrong.
// The ends of fees and daily usages come from their (organization, date) indexes, never a scan of
// the table (11M fees cost 27 s when each was read to date its buckets); an invoice's two dates
// are not indexed together, so invoices are read once, grouped by organization.
// `ranges`: one row per organization (organization_id, lo, hi). Constant fragments only.
export const everyPeriod = (kind: "invoiced_usage" | "revenue" | "usage_day", unit: "month" | "day", ranges: SQL) => sql`
  SELECT ${sql.raw(`'${kind}'`)} AS kind, r.organization_id, p::date AS period_start FROM (${ranges}) r
  CROSS JOIN LATERAL generate_series(date_trunc(${sql.raw(`'${unit}'`)}, r.lo::timestamp), r.hi::timestamp, ${sql.raw(`interval '1 ${unit}'`)}) AS p`;

// Per organization, through the (organization_id, date) index: two index probes each.
export const indexedEnds = (source: "fees" | "daily_usages" | "usage_snapshots", column: "created_at" | "usage_date", where: SQL) => sql`
  SELECT o.id AS organization_id,
    (SELECT min(t.${sql.raw(column)}) FROM ${sql.raw(SOURCE_TABLES[source])} t WHERE t.organization_id = o.id ${where}) AS lo,
    (SELECT max(t.${sql.raw(column)}) FROM ${sql.raw(SOURCE_TABLES[source])} t WHERE t.organization_id = o.id ${where}) AS hi
  FROM organizations o`;

export const feeEnds = indexedEnds("fees", "created_at", sql`AND t.deleted_at IS NULL`);

/**
 * In a recompute: the rows of the service's `table` that hold the picked buckets (organization and
 * `column` = the bucket's period start, and `extra` conditions on `r`), deleted before they are
 * written anew. Constant fragments only.
 */
export const clearPicked = (table: string, column: string, extra: SQL = sql``) => sql`
    DELETE FROM ${sql.raw(`edge_analytics.${table}`)} r USING picked p
    WHERE r.organization_id = p.organization_id AND r.${sql.raw(column)} = p.period_start ${extra}`;
