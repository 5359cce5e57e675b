// Where each source's collect stands, and the cheap ways to move it: the positions read at the start
// of a run (with the oldest transaction in flight), and every quiet source closed in one statement.
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import { type Source, SOURCE_TABLES, SOURCES } from "./kinds.ts";

/**
 * A watermark is the database time of the last collect that read its table. Rows are re-read for
 * this long before it: Lago stamps updated_at when it saves a row, not when its transaction commits,
 * so a row committed just after a collect may carry a stamp from before it. Rows the previous pass
 * already saw are skipped (see collectChanges), so the overlap costs a re-read, not a recompute.
 */
export const DEFAULT_OVERLAP = "15 minutes";

/**
 * A pass also notes, before taking its snapshot, when the oldest transaction then in flight began
 * (`in_flight_since`): a row that snapshot did not see was written by one of those or by a later
 * one, so its stamp is no older than that, give or take the application's clock (this margin).
 * The next pass starts there rather than a whole overlap back, which is what makes a run just
 * after a bulk touch cheap. Rows whose stamp is older still (a clock further off, a stamp set by
 * hand) are found by the settled re-check: every stamp is read once more when it is `overlap` old.
 */
export const CLOCK_MARGIN = "1 second";

// The table's name per source: constant fragments only, never the caller's text.
export const TABLES: Record<Source, SQL> = Object.fromEntries(SOURCES.map((s) => [s, sql.raw(SOURCE_TABLES[s])])) as Record<Source, SQL>;

/**
 * Where a source's next pass starts reading, for its refresh_watermarks row `w`: a whole overlap
 * before its watermark, or less when its last pass knew which transactions were in flight (every
 * row when there is no watermark yet). The pass (collect.ts) and the quiet close below read it alike.
 */
export const passSince = (overlap: string) =>
  sql`coalesce(greatest(w.watermark - ${overlap}::interval, w.in_flight_since - ${CLOCK_MARGIN}::interval), '-infinity'::timestamp)`;

/** Where the settled re-check reads on from, once the pass after a table's first read began it. */
export const settledFrom = (overlap: string) => sql`coalesce(w.settled_updated_at, w.watermark - ${overlap}::interval)`;

/** The lowest and highest uuid: an (updated_at, id) range starting before or after every id of a stamp. */
export const FIRST_ID = sql`'00000000-0000-0000-0000-000000000000'::uuid`;
export const LAST_ID = sql`'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid`;

export type SourcePosition = { watermark: string | null; passOpen: boolean };

/**
 * Where each source stands, and when the oldest transaction in flight began (database time, UTC),
 * or null when this session cannot tell. One statement, read before any chunk that takes a new
 * pass's snapshot (once per run, for every source): a transaction that ends between the two is then
 * seen by the snapshot, never missed by both, and a value read earlier is only lower, so still safe.
 * Null when: a standby (the primary's transactions are not listed), a prepared transaction (listed
 * without its start), or sessions of other roles it may not see (no pg_read_all_stats). Null makes
 * the next pass re-read the whole overlap. Vacuum's transactions write no rows; sessions of the
 * server's other databases cannot write Lago's tables, so they hold nothing back.
 */
export async function readPositions(db: Database): Promise<{ watermarks: Map<Source, SourcePosition>; inFlightSince: string | null }> {
  const result = await db.execute<{ source: Source | null; watermark: string | null; pass_open: boolean | null; in_flight_since: string | null }>(sql`
    WITH in_flight AS (
      SELECT CASE WHEN pg_is_in_recovery() OR EXISTS (SELECT 1 FROM pg_prepared_xacts p WHERE p.database = current_database())
          OR bool_or(a.query = '<insufficient privilege>') THEN NULL
        ELSE (least(now(), min(a.xact_start) FILTER (WHERE a.backend_type NOT IN ('autovacuum worker', 'autovacuum launcher')))
          AT TIME ZONE 'UTC')::timestamp(6)::text END AS since
      FROM pg_stat_activity a WHERE a.datname = current_database()
    )
    SELECT w.source, w.watermark::text AS watermark, w.pass_started IS NOT NULL AS pass_open, f.since AS in_flight_since
    FROM in_flight f LEFT JOIN edge_analytics.refresh_watermarks w ON true`);
  const watermarks = new Map<Source, SourcePosition>();
  for (const r of result.rows) if (r.source !== null) watermarks.set(r.source, { watermark: r.watermark, passOpen: r.pass_open === true });
  return { watermarks, inFlightSince: result.rows[0]?.in_flight_since ?? null };
}

/**
 * The sources among `candidates` with nothing to read, closed in one statement for all of them: a
 * cron run on a quiet database costs a few statements, not two per source. A source is quiet when
 * no row is stamped at or after where its next pass would start, and none is left for the settled
 * re-check up to where it would stop; only sources with a watermark and no pass open qualify. Their
 * positions then move exactly as a pass and a re-check that found no row would move them (see
 * collectChunk and recheckChunk), and the pass is recorded with this statement's snapshot, which
 * held no row from its start on. Returns the sources closed; the others are collected as usual.
 */
export async function closeQuietSources(
  db: Database, candidates: readonly Source[], opts: { overlap?: string; inFlightSince: string | null },
): Promise<Source[]> {
  if (candidates.length === 0) return [];
  const overlap = opts.overlap ?? DEFAULT_OVERLAP;
  // Per table, the first row of each range in (updated_at, id) order: one probe of that index each.
  // (NOT EXISTS over the range would let the planner pick a scan of the table, costed as if a row
  // turned up at once; on a quiet table none does, and the scan reads it whole.)
  const firstAfter = (source: Source, after: SQL) =>
    sql`(SELECT t.updated_at FROM ${TABLES[source]} t WHERE (t.updated_at, t.id) > ${after} ORDER BY t.updated_at, t.id LIMIT 1)`;
  const quietIn = (source: Source) => sql`${firstAfter(source, sql`(p.since, ${FIRST_ID})`)} IS NULL
    AND coalesce(${firstAfter(source, sql`(p.settled_at, coalesce(p.settled_id, ${LAST_ID}))`)} > p.upto, true)`;
  const result = await db.execute<{ source: Source }>(sql`
    WITH p AS (
      SELECT w.source, w.watermark, w.settled_id,
        ${passSince(overlap)} AS since, ${settledFrom(overlap)} AS settled_at,
        greatest(w.watermark, (now() AT TIME ZONE 'UTC')::timestamp(6)) - ${overlap}::interval AS upto
      FROM edge_analytics.refresh_watermarks w
      WHERE w.source IN (${sql.join(candidates.map((c) => sql`${c}`), sql`, `)}) AND w.watermark IS NOT NULL AND w.pass_started IS NULL
    ),
    quiet AS MATERIALIZED (
      SELECT p.* FROM p WHERE CASE p.source ${sql.join(candidates.map((c) => sql`WHEN ${c} THEN ${quietIn(c)}`), sql` `)} ELSE false END
    ),
    moved AS (
      -- Only a position no other run moved since this statement's snapshot.
      UPDATE edge_analytics.refresh_watermarks w SET
        watermark = greatest(w.watermark, (now() AT TIME ZONE 'UTC')::timestamp(6)),
        snapshot = pg_current_snapshot()::text, in_flight_since = ${opts.inFlightSince}::timestamp(6),
        cursor_updated_at = NULL, cursor_id = NULL, pass_snapshot = NULL, pass_in_flight_since = NULL,
        settled_updated_at = CASE WHEN q.upto > q.settled_at THEN q.upto ELSE q.settled_at END,
        settled_id = CASE WHEN q.upto > q.settled_at THEN NULL ELSE q.settled_id END
      FROM quiet q
      WHERE w.source = q.source AND w.pass_started IS NULL AND w.watermark = q.watermark
      RETURNING w.source
    ),
    recorded AS (
      INSERT INTO edge_analytics.refresh_passes (source, since, snapshot)
      SELECT q.source, q.since, pg_current_snapshot()::text FROM quiet q
      ON CONFLICT (source, since) DO UPDATE SET snapshot = excluded.snapshot
    ),
    forgotten AS (
      -- As the re-check forgets them: passes older than any stamp left to re-check.
      DELETE FROM edge_analytics.refresh_passes r USING quiet q WHERE r.source = q.source
        AND r.since < (SELECT max(o.since) FROM edge_analytics.refresh_passes o WHERE o.source = q.source AND o.since <= q.settled_at)
    )
    SELECT source FROM moved`);
  return result.rows.map((r) => r.source);
}
