// Step 1 of a refresh: find what changed in Lago's tables since each source's watermark and queue
// the buckets it touches, to be recomputed whole. Each chunk is one statement that queues and moves
// its source's position atomically, so a refresh that dies later loses nothing: the queue outlives it.
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";

export const SOURCES = ["fees", "invoices", "charges", "billable_metrics", "daily_usages", "credit_notes", "plans", "subscriptions"] as const;
export type Source = (typeof SOURCES)[number];

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

/** Which rollup a change feeds: invoiced_usage (and its edges), usage, or the four revenue endpoints. */
export type ChangeFeed = "invoiced_usage" | "usage" | "revenue";
export const ALL_FEEDS: readonly ChangeFeed[] = ["invoiced_usage", "usage", "revenue"];

// What a changed row of each source invalidates, as (kind, organization_id, period_start), per feed.
// `changed` holds this chunk's changed rows of the source (its columns as in the table). Fees are
// reached through LATERAL ... OFFSET 0: an index lookup per changed row, never a scan.
// fees.created_at and daily_usages.usage_date are never changed by Lago, so the bucket of the row as
// it is now is the bucket it was counted in; likewise an invoice's issuing and due dates once it is
// finalized (before, it counts nowhere).
// Invoices likewise: a chunk's few rows are estimated in the thousands, and a hash join then reads
// every invoice of the database to find theirs.
const feesOf = (on: SQL) => sql`CROSS JOIN LATERAL (SELECT * FROM fees f WHERE ${on} OFFSET 0) f`;
const invoiceOf = (on: SQL, join = sql`CROSS JOIN LATERAL`) => sql`${join} (SELECT * FROM invoices i WHERE ${on} OFFSET 0) i`;
const issuingMonthOfFees = sql`SELECT 'revenue' AS kind, i.organization_id, date_trunc('month', i.issuing_date)::date AS period_start`;
const CHANGES: Record<Source, Partial<Record<ChangeFeed, SQL>>> = {
  fees: {
    invoiced_usage: sql`SELECT 'invoiced_usage' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start FROM changed f`,
    // An instant fee counts in its creation month; a fee on an invoice in that invoice's issuing month (mrr).
    revenue: sql`SELECT 'revenue' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start FROM changed f
      UNION ALL ${issuingMonthOfFees} FROM changed f ${invoiceOf(sql`i.id = f.invoice_id`)} WHERE i.issuing_date IS NOT NULL`,
  },
  invoices: {
    // Status changes (draft -> finalized -> voided), disputes lost, billing entity moves: every
    // month that holds a fee of the invoice.
    invoiced_usage: sql`SELECT 'invoiced_usage' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start
      FROM changed i CROSS JOIN LATERAL (
        -- Only the columns of edge_analytics_fees_on_invoice_id_created_at: an index-only scan.
        SELECT f.organization_id, f.created_at FROM fees f WHERE f.invoice_id = i.id OFFSET 0) f`,
    // Payments, overdue flags, totals: the invoice's issuing month and its due month.
    revenue: sql`SELECT 'revenue' AS kind, i.organization_id, date_trunc('month', d)::date AS period_start
      FROM changed i CROSS JOIN LATERAL (VALUES (i.issuing_date), (i.payment_due_date)) AS v(d) WHERE d IS NOT NULL`,
  },
  // A charge decides the metric (and so the code) of its fees.
  charges: {
    invoiced_usage: sql`SELECT 'invoiced_usage' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start
      FROM changed c ${feesOf(sql`f.charge_id = c.id`)}`,
  },
  // A metric decides the code of its charges' fees (a rename, say).
  billable_metrics: {
    invoiced_usage: sql`SELECT 'invoiced_usage' AS kind, f.organization_id, date_trunc('month', f.created_at)::date AS period_start
      FROM changed bm JOIN charges c ON c.billable_metric_id = bm.id ${feesOf(sql`f.charge_id = c.id`)}`,
  },
  // Rows are written and rewritten per (subscription, day): the day is the bucket.
  daily_usages: {
    usage: sql`SELECT 'usage_day' AS kind, du.organization_id, du.usage_date AS period_start FROM changed du WHERE du.usage_date IS NOT NULL`,
  },
  // A credit note's refund (gross revenue) or offset (overdue balance): its invoice's two months.
  credit_notes: {
    revenue: sql`SELECT 'revenue' AS kind, i.organization_id, date_trunc('month', d)::date AS period_start
      FROM changed cn ${invoiceOf(sql`i.id = cn.invoice_id`)}
      CROSS JOIN LATERAL (VALUES (i.issuing_date), (i.payment_due_date)) AS v(d) WHERE d IS NOT NULL`,
  },
  // A plan's interval and timing decide how its subscription fees spread (mrr).
  plans: {
    revenue: sql`${issuingMonthOfFees}
      FROM changed p JOIN subscriptions s ON s.plan_id = p.id ${feesOf(sql`f.subscription_id = s.id`)}
      ${invoiceOf(sql`i.id = f.invoice_id`)} WHERE i.issuing_date IS NOT NULL`,
  },
  // A subscription decides its fees' plan (mrr) and customer (instant fees).
  subscriptions: {
    revenue: sql`SELECT 'revenue' AS kind, f.organization_id, date_trunc('month', coalesce(i.issuing_date::timestamp, f.created_at))::date AS period_start
      FROM changed s ${feesOf(sql`f.subscription_id = s.id`)} ${invoiceOf(sql`i.id = f.invoice_id`, sql`LEFT JOIN LATERAL`)} ON true`,
  },
};

// The first build's buckets (a table's first read, before any rollup exists), per organization,
// from where its rows begin and end: every month (or day) in between is queued, whether or not it
// holds a row, since recomputing an empty bucket is cheap and skipping a full one would be wrong.
// The ends of fees and daily usages come from their (organization, date) indexes, never a scan of
// the table (11M fees cost 27 s when each was read to date its buckets); an invoice's two dates
// are not indexed together, so invoices are read once, grouped by organization.
// `ranges`: one row per organization (organization_id, lo, hi). Constant fragments only.
const everyPeriod = (kind: "invoiced_usage" | "revenue" | "usage_day", unit: "month" | "day", ranges: SQL) => sql`
  SELECT ${sql.raw(`'${kind}'`)} AS kind, r.organization_id, p::date AS period_start FROM (${ranges}) r
  CROSS JOIN LATERAL generate_series(date_trunc(${sql.raw(`'${unit}'`)}, r.lo::timestamp), r.hi::timestamp, ${sql.raw(`interval '1 ${unit}'`)}) AS p`;
// Per organization, through the (organization_id, date) index: two index probes each.
const indexedEnds = (table: "fees" | "daily_usages", column: "created_at" | "usage_date", where: SQL) => sql`
  SELECT o.id AS organization_id,
    (SELECT min(t.${sql.raw(column)}) FROM ${sql.raw(table)} t WHERE t.organization_id = o.id ${where}) AS lo,
    (SELECT max(t.${sql.raw(column)}) FROM ${sql.raw(table)} t WHERE t.organization_id = o.id ${where}) AS hi
  FROM organizations o`;
const feeEnds = indexedEnds("fees", "created_at", sql`AND t.deleted_at IS NULL`);
const FIRST_BUILD: Partial<Record<Source, Partial<Record<ChangeFeed, SQL>>>> = {
  fees: { invoiced_usage: everyPeriod("invoiced_usage", "month", feeEnds), revenue: everyPeriod("revenue", "month", feeEnds) },
  invoices: {
    revenue: everyPeriod("revenue", "month", sql`
      SELECT organization_id, min(least(issuing_date, payment_due_date)) AS lo, max(greatest(issuing_date, payment_due_date)) AS hi
      FROM invoices GROUP BY organization_id`),
  },
  daily_usages: { usage: everyPeriod("usage_day", "day", indexedEnds("daily_usages", "usage_date", sql``)) },
};

/** Rows a chunk may scan at most, changed or already seen: an index range and its heap rows. */
const SCAN_ROWS = 50_000;

/**
 * Changed rows (not seen by the last pass) per chunk: each chunk is one statement, small enough to
 * finish well within a run's budget even when every row of the table was touched at once (a Lago
 * migration or backfill). A changed charge or metric reaches all its fees, so those go a few at a time.
 */
export const CHUNK_ROWS: Record<Source, number> = {
  fees: 50_000, daily_usages: 50_000, invoices: 1_000, credit_notes: 2_000, subscriptions: 200, charges: 5, billable_metrics: 2, plans: 5,
};

export type SourcePosition = { watermark: string | null; passOpen: boolean };

/**
 * Where each source stands, and when the oldest transaction in flight began (database time, UTC),
 * or null when this session cannot tell. One statement, read before any chunk that takes a new
 * pass's snapshot (once per run, for every source): a transaction that ends between the two is then
 * seen by the snapshot, never missed by both, and a value read earlier is only lower, so still safe.
 * Null when: a standby (the primary's transactions are not listed), a prepared transaction (listed
 * without its start), or sessions of other roles it may not see (no pg_read_all_stats). Null makes
 * the next pass re-read the whole overlap. Vacuum's transactions write no rows.
 */
export async function readPositions(db: Database): Promise<{ watermarks: Map<Source, SourcePosition>; inFlightSince: string | null }> {
  const result = await db.execute<{ source: Source | null; watermark: string | null; pass_open: boolean | null; in_flight_since: string | null }>(sql`
    WITH in_flight AS (
      SELECT CASE WHEN pg_is_in_recovery() OR EXISTS (SELECT 1 FROM pg_prepared_xacts)
          OR bool_or(a.query = '<insufficient privilege>') THEN NULL
        ELSE (least(now(), min(a.xact_start) FILTER (WHERE a.backend_type NOT IN ('autovacuum worker', 'autovacuum launcher')))
          AT TIME ZONE 'UTC')::timestamp(6)::text END AS since
      FROM pg_stat_activity a
    )
    SELECT w.source, w.watermark::text AS watermark, w.pass_started IS NOT NULL AS pass_open, f.since AS in_flight_since
    FROM in_flight f LEFT JOIN edge_analytics.refresh_watermarks w ON true`);
  const watermarks = new Map<Source, SourcePosition>();
  for (const r of result.rows) if (r.source !== null) watermarks.set(r.source, { watermark: r.watermark, passOpen: r.pass_open === true });
  return { watermarks, inFlightSince: result.rows[0]?.in_flight_since ?? null };
}

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
    feeds?: readonly ChangeFeed[]; overlap?: string; deadline?: number; chunkRows?: number; scanRows?: number; watermark?: string | null; passOpen?: boolean;
    /** readPositions()' inFlightSince, read before this call (null: the next pass goes a whole overlap back). */
    inFlightSince?: string | null;
  } = {},
): Promise<Collected> {
  const { feeds = ALL_FEEDS, overlap = DEFAULT_OVERLAP, deadline = Infinity, chunkRows = CHUNK_ROWS[source], scanRows = SCAN_ROWS } = opts;
  const total: Collected = { queued: 0, rows: 0, done: false };
  const initial = opts.watermark === null && !opts.passOpen;
  const changes = feeds.flatMap((feed) => (initial ? FIRST_BUILD[source]?.[feed] : undefined) ?? CHANGES[source][feed] ?? []);
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
  const ZERO = sql`'00000000-0000-0000-0000-000000000000'::uuid`;
  const LAST = sql`'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid`;
  // Per table, the first row of each range in (updated_at, id) order: one probe of that index each.
  // (NOT EXISTS over the range would let the planner pick a scan of the table, costed as if a row
  // turned up at once; on a quiet table none does, and the scan reads it whole.)
  const firstAfter = (source: Source, after: SQL) =>
    sql`(SELECT t.updated_at FROM ${TABLES[source]} t WHERE (t.updated_at, t.id) > ${after} ORDER BY t.updated_at, t.id LIMIT 1)`;
  const quietIn = (source: Source) => sql`${firstAfter(source, sql`(p.since, ${ZERO})`)} IS NULL
    AND coalesce(${firstAfter(source, sql`(p.settled_at, coalesce(p.settled_id, ${LAST}))`)} > p.upto, true)`;
  const result = await db.execute<{ source: Source }>(sql`
    WITH p AS (
      SELECT w.source, w.watermark, w.settled_id,
        coalesce(greatest(w.watermark - ${overlap}::interval, w.in_flight_since - ${CLOCK_MARGIN}::interval), '-infinity'::timestamp) AS since,
        coalesce(w.settled_updated_at, w.watermark - ${overlap}::interval) AS settled_at,
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

// The table's name per source: constant fragments only, never the caller's text.
const TABLES: Record<Source, SQL> = Object.fromEntries(SOURCES.map((s) => [s, sql.raw(s)])) as Record<Source, SQL>;

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
    (SELECT coalesce(cursor_id, '00000000-0000-0000-0000-000000000000'::uuid) FROM pass))`;
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
        coalesce(greatest(w.watermark - ${overlap}::interval, w.in_flight_since - ${CLOCK_MARGIN}::interval), '-infinity'::timestamp) AS since,
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
          ELSE coalesce(w.settled_updated_at, w.watermark - ${overlap}::interval) END
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
      (t.updated_at, t.id) > ((SELECT at FROM pos), (SELECT coalesce(id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid) FROM pos))
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
