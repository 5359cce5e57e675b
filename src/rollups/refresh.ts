// One refresh of the rollups, as the scheduled handler runs it: collect what changed, recompute the
// queued buckets whole, retry failed ones, and mark a rollup built once its first build is done.
// Overlapping runs are safe: buckets are taken off the queue with SKIP LOCKED and every step is one
// atomic statement.
import { sql } from "drizzle-orm";
import { sqlStateOf } from "../db-errors.ts";
import type { Database } from "../env.ts";
import { type ChangeFeed, collectChanges, readWatermarks, type Source, SOURCES } from "./collect.ts";
import { kindsOf } from "../queries/rollup-status.ts";
import { KINDS, markFailed, queuedBuckets, recompute, type Bucket, type Kind } from "./recompute.ts";

export type RefreshOptions = {
  /** Stop starting new batches after this long; the queue carries the rest to the next run. */
  budgetMs?: number;
  batchSize?: number;
  /** See DEFAULT_OVERLAP in collect.ts. */
  overlap?: string;
};

export type RefreshReport = {
  queued: number;
  recomputed: Record<Kind, number>;
  failed: number;
  /** False when the budget ran out with buckets still queued. */
  complete: boolean;
  /** Buckets still queued when the run ended, per kind (failed ones not counted): what the next runs have left. */
  left: Record<Kind, number>;
};

const RETRIES_PER_RUN = 10;

export async function refreshRollups(db: Database, opts: RefreshOptions = {}): Promise<RefreshReport> {
  const { budgetMs = 60_000, batchSize = 25, overlap } = opts;
  const deadline = Date.now() + budgetMs;
  const report: RefreshReport = {
    queued: 0, failed: 0, complete: true,
    recomputed: perKind(),
    left: perKind(),
  };

  // Everything Lago committed before this instant is collected by this run (database time).
  const runStart = await databaseNow(db);
  const watermarks = await readWatermarks(db);
  const firstBuild = (watermarks.get("fees") ?? null) === null;
  for (const source of SOURCES) {
    const watermark = watermarks.get(source) ?? null;
    report.queued += await collectChanges(db, source, watermark, { feeds: feedsToCollect(source, watermark, firstBuild), overlap });
  }

  // Days before weeks and months: those are rebuilt from the day rows.
  for (const kind of KINDS) {
    for (;;) {
      if (Date.now() > deadline) {
        report.complete = false;
        report.left = await queuedPerKind(db);
        return report;
      }
      const buckets = await queuedBuckets(db, kind, batchSize);
      if (buckets.length === 0) break;
      report.recomputed[kind] += await recomputeOrIsolate(db, kind, buckets, report);
    }
  }
  for (const kind of KINDS) {
    for (const bucket of await queuedBuckets(db, kind, RETRIES_PER_RUN, true)) {
      report.recomputed[kind] += await recomputeOrIsolate(db, kind, [bucket], report);
    }
  }
  await markBuilt(db);
  await markFresh(db, runStart);
  report.left = await queuedPerKind(db);
  return report;
}

const perKind = (): Record<Kind, number> => Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;

/** Buckets waiting per kind (not failed): how far a first build or a catch-up still has to go. */
async function queuedPerKind(db: Database): Promise<Record<Kind, number>> {
  const result = await db.execute<{ kind: Kind; n: number }>(sql`
    SELECT kind, count(*)::int AS n FROM edge_analytics.dirty_buckets WHERE failed_at IS NULL GROUP BY kind`);
  const left = perKind();
  for (const row of result.rows) if (row.kind in left) left[row.kind] = Number(row.n);
  return left;
}

/**
 * On the first build every bucket is found from the rows that date it (fees, invoices, daily usages);
 * the tables that only change how a row counts need not be joined to all of them. A table first read
 * after the rollups were built (one added by a later migration) has had its buckets queued by that
 * migration: its first read only sets its watermark.
 */
function feedsToCollect(source: Source, watermark: string | null, firstBuild: boolean): ChangeFeed[] {
  if (!firstBuild) return watermark === null ? [] : ["invoiced_usage", "usage", "revenue"];
  if (source === "fees" || source === "daily_usages") return ["invoiced_usage", "usage", "revenue"];
  return source === "invoices" ? ["revenue"] : [];
}

async function databaseNow(db: Database): Promise<string> {
  const result = await db.execute<{ now: string }>(sql`SELECT (now() AT TIME ZONE 'UTC')::timestamp(6)::text AS now`);
  return result.rows[0]!.now;
}

/**
 * A rollup whose queue this run left empty holds every change made before the run started: that
 * instant becomes its fresh_as_of (never moved back by an older run finishing late). Buckets that
 * failed do not hold it back: their organizations are answered from Lago's tables.
 */
async function markFresh(db: Database, runStart: string): Promise<void> {
  await db.execute(sql`
    UPDATE edge_analytics.rollup_status s SET fresh_as_of = GREATEST(s.fresh_as_of, ${runStart}::timestamp(6))
    WHERE s.built_at IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM edge_analytics.dirty_buckets d
      WHERE d.failed_at IS NULL AND d.kind = ANY (${kindsOf(sql`s.rollup`)})
    )`);
}

/**
 * A batch that fails on a data error (say, a daily_usages row whose usage_diff is not the shape
 * Lago writes) is retried bucket by bucket, and the buckets that still fail are kept, marked
 * failed: their organization is then answered from Lago's tables directly, where the same row
 * gives the same error, until a later retry succeeds. An unreachable database stops the run.
 */
async function recomputeOrIsolate(db: Database, kind: Kind, buckets: Bucket[], report: RefreshReport): Promise<number> {
  try {
    return (await recompute(db, kind, buckets)).buckets;
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (buckets.length === 1 && buckets[0]) {
      await markFailed(db, kind, buckets[0], sqlStateOf(err) ?? "unknown");
      report.failed++;
      return 0;
    }
    let done = 0;
    for (const bucket of buckets) done += await recomputeOrIsolate(db, kind, [bucket], report);
    return done;
  }
}


// An error PostgreSQL raised about the statement or its data; not a transport failure (no SQLSTATE),
// a lost connection (08), too little memory or disk (53), an operator stop (57), a system error (58)
// or a serialization failure or deadlock (40), which are worth another try rather than a mark.
function isDataError(err: unknown): boolean {
  const code = sqlStateOf(err);
  return code !== undefined && !/^(08|53|57|58|40)/.test(code);
}

// A rollup answers requests once nothing of its first build is left in the queue (failed buckets
// excepted: their organizations are answered directly until a retry succeeds).
async function markBuilt(db: Database): Promise<void> {
  await db.execute(sql`
    UPDATE edge_analytics.rollup_status s SET built_at = (now() AT TIME ZONE 'UTC')::timestamp(6)
    WHERE s.built_at IS NULL AND NOT EXISTS (
      SELECT 1 FROM edge_analytics.dirty_buckets d
      WHERE d.failed_at IS NULL AND d.kind = ANY (${kindsOf(sql`s.rollup`)})
    )`);
}
