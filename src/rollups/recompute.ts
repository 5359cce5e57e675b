// Step 2 of a refresh: recompute queued buckets whole from Lago's tables. One statement per batch
// takes the buckets off the queue, deletes their rollup rows and inserts the fresh ones, so a failed
// or interrupted batch leaves both the queue and the rollup as they were.
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import type { Kind } from "./kinds.ts";
import { recomputeBody } from "./registry.ts";

export type Bucket = { organizationId: string; periodStart: string };
export type Recomputed = { buckets: number; rows: number };

/** The next queued buckets of a kind (of one organization, if given); failed ones only when asked. */
export async function queuedBuckets(db: Database, kind: Kind, limit: number, failed = false, organizationId?: string): Promise<Bucket[]> {
  const result = await db.execute<{ organization_id: string; period_start: string }>(sql`
    SELECT organization_id, period_start::text AS period_start FROM edge_analytics.dirty_buckets
    WHERE kind = ${kind} AND (failed_at IS NOT NULL) = ${failed}
      ${organizationId === undefined ? sql`` : sql`AND organization_id = ${organizationId}::uuid`}
    ORDER BY organization_id, period_start LIMIT ${limit}`);
  return result.rows.map((r) => ({ organizationId: r.organization_id, periodStart: r.period_start }));
}

export async function markFailed(db: Database, kind: Kind, bucket: Bucket, error: string): Promise<void> {
  await db.execute(sql`
    UPDATE edge_analytics.dirty_buckets SET failed_at = (now() AT TIME ZONE 'UTC')::timestamp(6), error = ${error}
    WHERE kind = ${kind} AND organization_id = ${bucket.organizationId} AND period_start = ${bucket.periodStart}::date`);
}

/** Recomputes these buckets (those another refresh is not already working on). */
export async function recompute(db: Database, kind: Kind, buckets: Bucket[]): Promise<Recomputed> {
  const targets = JSON.stringify(buckets.map((b) => ({ organization_id: b.organizationId, period_start: b.periodStart })));
  return recomputePicked(db, kind, sql`
    SELECT q.organization_id, q.period_start FROM edge_analytics.dirty_buckets q
    JOIN jsonb_to_recordset(${targets}::jsonb) AS t(organization_id uuid, period_start date)
      ON t.organization_id = q.organization_id AND t.period_start = q.period_start
    WHERE q.kind = ${kind}
    FOR UPDATE OF q SKIP LOCKED`);
}

/**
 * Recomputes the next `limit` queued buckets of a kind (of one organization, if given), skipping
 * those another worker holds: several workers (a run's, or concurrent queue consumers') share one
 * queue without waiting on each other or taking a bucket twice.
 */
export async function recomputeNext(db: Database, kind: Kind, limit: number, organizationId?: string): Promise<Recomputed> {
  return recomputePicked(db, kind, sql`
    SELECT q.organization_id, q.period_start FROM edge_analytics.dirty_buckets q
    WHERE q.kind = ${kind} AND q.failed_at IS NULL
      ${organizationId === undefined ? sql`` : sql`AND q.organization_id = ${organizationId}::uuid`}
    ORDER BY q.organization_id, q.period_start LIMIT ${limit}
    FOR UPDATE OF q SKIP LOCKED`);
}

// `pick` selects (organization_id, period_start) of queued buckets of the kind, locked.
async function recomputePicked(db: Database, kind: Kind, pick: SQL): Promise<Recomputed> {
  const picked = sql`picked AS (
    DELETE FROM edge_analytics.dirty_buckets d
    WHERE d.kind = ${kind} AND (d.organization_id, d.period_start) IN (${pick})
    RETURNING d.organization_id, d.period_start)`;
  const result = await db.execute<Recomputed>(sql`WITH ${picked}, ${recomputeBody(kind)}
    SELECT (SELECT count(*) FROM picked)::int AS buckets, (SELECT count(*) FROM inserted)::int AS rows`);
  return result.rows[0] ?? { buckets: 0, rows: 0 };
}
