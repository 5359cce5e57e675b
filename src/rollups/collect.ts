// Step 1 of a refresh: find what changed in Lago's tables since each source's watermark and queue
// the buckets it touches, to be recomputed whole. Each chunk is one statement that queues and moves
// its source's position atomically, so a refresh that dies later loses nothing: the queue outlives it.
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import { type RollupName, ROLLUP_NAMES, type Source } from "./kinds.ts";
import { DEFAULT_OVERLAP, FIRST_ID, LAST_ID, passSince, settledFrom, TABLES } from "./positions.ts";
import { staleBuckets } from "./registry.ts";

/** Rows a chunk may scan at most, changed or already seen: an index range and its heap rows. */
const SCAN_ROWS = 50_000;

/**
 * Changed rows (not seen by the last pass) per chunk: each chunk is one statement, small enough to
 * finish well within a run's budget even when every row of the table was touched at once (a Lago
 * migration or backfill). A changed charge or metric reaches all its fees, so those go a few at a time.
 */
export const CHUNK_ROWS: Record<Source, number> = {
  fees: 50_000, daily_usages: 50_000, usage_snapshots: 50_000, invoices: 1_000, credit_notes: 2_000, subscriptions: 200, charges: 5, billable_metrics: 2, plans: 5,
};

export type Collected = { queued: number; rows: number; done: boolean };

/**
 * Collects the changes of `source` in chunks until its pass is done or `deadline` (ms since the
 * epoch) has passed. A pass reads the rows stamped after `watermark - overlap`, or after the last
 * pass's oldest transaction in flight less CLOCK_MARGIN when that is later (every row when there is
 * no watermark yet), in (updated_at, id) order and queues the buckets they touch. Where it stopped
 * is stored with the queue, so a run cut off by its budget resumes there and redoes nothing. A
 * finished pass moves the watermark to the time the pass started and keeps that moment's snapshot:
 * a row the snapshot saw was queued by that pass (and its buckets recomputed after), so the next
 * pass, which re-reads the overlap, skips it. Only rows committed since are queued again, which is
 * why a bulk touch of a whole table costs one pass, not every run for the next 15 minutes. After a
 * finished pass, the settled re-check (recheckChunk) reads on from its own cursor.
 */
export async function collectChanges(
  db: Database,
  source: Source,
  opts: {
    feeds?: readonly RollupName[]; overlap?: string; deadline?: number; chunkRows?: number; scanRows?: number; watermark?: string | null; passOpen?: boolean;
    /** readPositions()' inFlightSince, read before this call (null: the next pass goes a whole overlap back). */
    inFlightSince?: string | null;
  } = {},
): Promise<Collected> {
  const { feeds = ROLLUP_NAMES, overlap = DEFAULT_OVERLAP, deadline = Infinity, chunkRows = CHUNK_ROWS[source], scanRows = SCAN_ROWS } = opts;
  const total: Collected = { queued: 0, rows: 0, done: false };
  const initial = opts.watermark === null && !opts.passOpen;
  const changes = staleBuckets(source, feeds, initial);
  let inFlightSince = opts.passOpen ? null : (opts.inFlightSince ?? null);
  do {
    const chunk = changes.length > 0
      ? await collectChunk(db, source, changes, { overlap, chunkRows, scanRows, initial, inFlightSince })
      : await skipSource(db, source, inFlightSince);
    inFlightSince = null;
    total.queued += chunk.queued;
    total.rows += chunk.rows;
    total.done = chunk.done;
  } while (!total.done && Date.now() < deadline);
  if (!total.done || initial || changes.length === 0) return total;
  for (let recheck = true; recheck && Date.now() < deadline; ) {
    const chunk = await recheckChunk(db, source, changes, { overlap, chunkRows, scanRows });
    total.queued += chunk.queued;
    total.rows += chunk.rows;
    recheck = !chunk.done;
  }
  return total;
}

/**
 * True when the row version with this xmin was visible in `snapshot`, so the pass that held that
 * snapshot read it. xmin is 32 bits; its epoch is that of `xmaxNow` (the current snapshot's xmax, a
 * full 64-bit id) unless it lies above xmaxNow's low 32 bits (then the previous one). A frozen or
 * bootstrap xmin (below 3) says nothing about when it was committed, so such a row counts as not
 * seen: read again, which is only repeated work.
 */
const seenIn = (xmin: SQL, snapshot: SQL, xmaxNow: SQL) => sql`(${snapshot} IS NOT NULL AND ${xmin}::text::bigint >= 3 AND pg_visible_in_snapshot(
  ((((${xmaxNow} >> 32) - CASE WHEN ${xmin}::text::bigint > (${xmaxNow} & 4294967295) THEN 1 ELSE 0 END) << 32)
   | ${xmin}::text::bigint)::text::xid8,
  ${snapshot}::pg_snapshot))`;

type ChunkOptions = { overlap: string; chunkRows: number; scanRows: number };

/** A chunk's scan (`scanned`): only each row's key and xmin, in (updated_at, id) order from `where`. */
const scanKeys = (table: SQL, where: SQL, scanRows: number) => sql`
  SELECT t.updated_at, t.id, t.xmin AS row_xmin FROM ${table} t WHERE ${where} ORDER BY t.updated_at, t.id LIMIT ${scanRows}`;

/**
 * A chunk's changed rows (`changed`): the scanned rows `snapshot` did not see (joined in by `from`),
 * at most chunkRows of them, fetched whole by id in the same snapshot (one primary key lookup each,
 * never a hash of the whole table).
 */
const unseenRows = (table: SQL, from: SQL, snapshot: SQL, xmaxNow: SQL, chunkRows: number) => sql`
  SELECT t.* FROM (
    SELECT s.id FROM scanned s ${from} WHERE NOT ${seenIn(sql`s.row_xmin`, snapshot, xmaxNow)}
    ORDER BY s.updated_at, s.id LIMIT ${chunkRows}
  ) u CROSS JOIN LATERAL (SELECT t.* FROM ${table} t WHERE t.id = u.id OFFSET 0) t`;

/** The buckets a chunk's `changed` rows touch, queued (once: the queue's key). */
const queueBuckets = (changes: SQL[]) => sql`
  INSERT INTO edge_analytics.dirty_buckets (kind, organization_id, period_start)
  SELECT DISTINCT kind, organization_id, period_start FROM (${sql.join(changes, sql` UNION ALL `)}) c
  ON CONFLICT DO NOTHING
  RETURNING 1`;

// Where a chunk stopped: at its last changed row when it took all it may, else at the last row
// scanned when the scan took all it may; none (the read is done) while neither limit was reached.
const stoppedAt = (chunkRows: number, scanRows: number) => sql`
  (SELECT updated_at, id FROM changed WHERE (SELECT count(*) FROM changed) >= ${chunkRows} ORDER BY updated_at DESC, id DESC LIMIT 1)
  UNION ALL
  (SELECT updated_at, id FROM scanned WHERE (SELECT count(*) FROM changed) < ${chunkRows} AND (SELECT count(*) FROM scanned) >= ${scanRows}
   ORDER BY updated_at DESC, id DESC LIMIT 1)`;

async function collectChunk(
  db: Database, source: Source, changes: SQL[], opts: ChunkOptions & { initial: boolean; inFlightSince: string | null },
): Promise<Collected> {
  const { overlap, chunkRows, scanRows, initial } = opts;
  const table = TABLES[source];
  // The first read of a table (no watermark, no pass open) takes it whole in one statement: the
  // buckets come from the ranges of FIRST_BUILD (or, for a feed without one, from a scan grouped by
  // organization and period), nothing is skipped, so there is nothing to remember between chunks.
  // Later passes go in chunks, in (updated_at, id) order from where the last chunk stopped, each bounded both by the changed rows it takes (chunkRows)
  // and by the rows it scans (scanRows), so re-reading an overlap the last pass already saw (every
  // row of a table loaded minutes ago, say) costs bounded steps too.
  //
  // From the cursor, or from the start of the overlap: scalar subqueries, evaluated once, so the
  // (updated_at, id) index is range-scanned from there. Starting at (since, the smallest id) re-reads
  // rows stamped exactly at since: only repeated work.
  const fromCursor = sql`(t.updated_at, t.id) > (
    (SELECT coalesce(cursor_updated_at, since) FROM pass),
    (SELECT coalesce(cursor_id, ${FIRST_ID}) FROM pass))`;
  // Rows are pulled from the index only as far as needed: until chunkRows changed ones are found, or
  // scanRows were scanned (changed or already seen), whichever comes first. The scan keeps only each
  // row's key and xmin (a re-read of an overlap full of seen rows copies nothing else); the changed
  // rows are then fetched whole by id, in the same snapshot.
  const scanned = initial
    ? sql``
    : sql`scanned AS MATERIALIZED (${scanKeys(table, fromCursor, scanRows)}),`;
  const changed = initial
    ? sql`changed AS NOT MATERIALIZED (SELECT t.* FROM ${table} t)`
    : sql`changed AS MATERIALIZED (${unseenRows(table, sql`CROSS JOIN pass`, sql`pass.seen`, sql`pass.xmax_now`, chunkRows)})`;
  const last = initial ? sql`SELECT NULL::timestamp AS updated_at, NULL::uuid AS id WHERE false` : stoppedAt(chunkRows, scanRows);
  const result = await db.execute<{ queued: number; rows: number; done: boolean }>(sql`
    WITH pass AS (
      -- The pass in progress, or one starting now (its start time and snapshot).
      SELECT coalesce(w.pass_started, (now() AT TIME ZONE 'UTC')::timestamp(6)) AS started,
        coalesce(w.pass_snapshot, pg_current_snapshot()::text) AS snapshot,
        CASE WHEN w.pass_started IS NULL THEN ${opts.inFlightSince}::timestamp(6) ELSE w.pass_in_flight_since END AS in_flight_since,
        -- A whole overlap back, or less when the last pass knew which transactions were in flight.
        ${passSince(overlap)} AS since,
        w.snapshot AS seen, w.cursor_updated_at, w.cursor_id,
        -- Read once here rather than for every row the chunk scans.
        pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax_now
      FROM edge_analytics.refresh_watermarks w WHERE w.source = ${source}
    ),
    ${scanned}
    ${changed},
    queued AS (${queueBuckets(changes)}),
    last AS (${last}),
    chunk_full AS (SELECT EXISTS (SELECT 1 FROM last) AS yes),
    moved AS (
      -- A full chunk leaves the pass open where it stopped; a short one (or the first read) closes it.
      -- The settled re-check starts where the pass after the first read began to skip stamps.
      UPDATE edge_analytics.refresh_watermarks w SET
        pass_started = CASE WHEN chunk_full.yes THEN pass.started END,
        pass_snapshot = CASE WHEN chunk_full.yes THEN pass.snapshot END,
        pass_in_flight_since = CASE WHEN chunk_full.yes THEN pass.in_flight_since END,
        cursor_updated_at = CASE WHEN chunk_full.yes THEN (SELECT updated_at FROM last) END,
        cursor_id = CASE WHEN chunk_full.yes THEN (SELECT id FROM last) END,
        watermark = CASE WHEN chunk_full.yes THEN w.watermark ELSE GREATEST(w.watermark, pass.started) END,
        snapshot = CASE WHEN chunk_full.yes THEN w.snapshot ELSE pass.snapshot END,
        in_flight_since = CASE WHEN chunk_full.yes THEN w.in_flight_since ELSE pass.in_flight_since END,
        settled_updated_at = CASE WHEN chunk_full.yes THEN w.settled_updated_at
          ELSE ${settledFrom(overlap)} END
      FROM pass, chunk_full
      WHERE w.source = ${source}
      RETURNING chunk_full.yes
    ),
    recorded AS (
      -- What a finished pass saw: the settled re-check skips what some pass already read.
      INSERT INTO edge_analytics.refresh_passes (source, since, snapshot)
      SELECT ${source}, pass.since, pass.snapshot FROM pass, chunk_full WHERE NOT chunk_full.yes
      ON CONFLICT (source, since) DO UPDATE SET snapshot = excluded.snapshot
    )
    SELECT (SELECT count(*) FROM queued)::int AS queued, ${initial ? sql`0` : sql`(SELECT count(*) FROM changed)`}::int AS rows,
      NOT (SELECT yes FROM moved) AS done`);
  const row = result.rows[0];
  return { queued: Number(row?.queued ?? 0), rows: Number(row?.rows ?? 0), done: row?.done !== false };
}

/** A source none of whose changes are needed now (a first build's tables that only re-count rows). */
async function skipSource(db: Database, source: Source, inFlightSince: string | null): Promise<Collected> {
  await db.execute(sql`
    WITH moved AS (
      UPDATE edge_analytics.refresh_watermarks SET watermark = GREATEST(watermark, (now() AT TIME ZONE 'UTC')::timestamp(6)),
        snapshot = pg_current_snapshot()::text, pass_started = NULL, pass_snapshot = NULL, cursor_updated_at = NULL, cursor_id = NULL,
        in_flight_since = ${inFlightSince}::timestamp(6), pass_in_flight_since = NULL
      WHERE source = ${source}
    )
    INSERT INTO edge_analytics.refresh_passes (source, since, snapshot) VALUES (${source}, '-infinity', pg_current_snapshot()::text)
    ON CONFLICT (source, since) DO UPDATE SET snapshot = excluded.snapshot`);
  return { queued: 0, rows: 0, done: true };
}

/**
 * The settled re-check: the rows stamped since its cursor and at least `overlap` before the
 * watermark, read once more, in bounded chunks like a pass. A row is queued unless the snapshot of
 * the last pass that read its stamp (the last one starting below it) saw it; passes older than any
 * stamp left to re-check are forgotten.
 */
async function recheckChunk(db: Database, source: Source, changes: SQL[], opts: ChunkOptions): Promise<Collected> {
  const { overlap, chunkRows, scanRows } = opts;
  const table = TABLES[source];
  const result = await db.execute<{ queued: number; rows: number; done: boolean }>(sql`
    WITH pos AS (
      SELECT w.settled_updated_at AS at, w.settled_id AS id, w.watermark - ${overlap}::interval AS upto,
        pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax_now
      FROM edge_analytics.refresh_watermarks w
      WHERE w.source = ${source} AND w.settled_updated_at IS NOT NULL AND w.watermark IS NOT NULL
    ),
    scanned AS MATERIALIZED (${scanKeys(table, sql`
      (t.updated_at, t.id) > ((SELECT at FROM pos), (SELECT coalesce(id, ${LAST_ID}) FROM pos))
      AND t.updated_at <= (SELECT upto FROM pos)`, scanRows)}),
    changed AS MATERIALIZED (${unseenRows(table, sql`CROSS JOIN pos LEFT JOIN LATERAL (
        SELECT p.snapshot FROM edge_analytics.refresh_passes p WHERE p.source = ${source} AND p.since < s.updated_at
        ORDER BY p.since DESC LIMIT 1
      ) p ON true`, sql`p.snapshot`, sql`pos.xmax_now`, chunkRows)}),
    queued AS (${queueBuckets(changes)}),
    last AS (${stoppedAt(chunkRows, scanRows)}),
    moved AS (
      -- Only from where this chunk read (another worker's move wins); when done, up to upto whole.
      UPDATE edge_analytics.refresh_watermarks w SET
        settled_updated_at = CASE WHEN EXISTS (SELECT 1 FROM last) THEN (SELECT updated_at FROM last)
          WHEN pos.upto > pos.at THEN pos.upto ELSE pos.at END,
        settled_id = CASE WHEN EXISTS (SELECT 1 FROM last) THEN (SELECT id FROM last)
          WHEN pos.upto > pos.at THEN NULL ELSE pos.id END
      FROM pos
      WHERE w.source = ${source} AND w.settled_updated_at = pos.at AND w.settled_id IS NOT DISTINCT FROM pos.id
    ),
    forgotten AS (
      DELETE FROM edge_analytics.refresh_passes p WHERE p.source = ${source}
        AND p.since < (SELECT max(q.since) FROM edge_analytics.refresh_passes q, pos WHERE q.source = ${source} AND q.since <= pos.at)
    )
    SELECT (SELECT count(*) FROM queued)::int AS queued, (SELECT count(*) FROM changed)::int AS rows,
      NOT EXISTS (SELECT 1 FROM last) AS done`);
  const row = result.rows[0];
  return { queued: Number(row?.queued ?? 0), rows: Number(row?.rows ?? 0), done: row?.done !== false };
}
