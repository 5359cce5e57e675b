// The refresh's bookkeeping in the service's schema: what is queued per kind and organization, and
// when a rollup counts as built and how fresh it is.
import { sql } from "drizzle-orm";
import type { Database } from "../env.ts";
import { kindsOf } from "../queries/rollup-status.ts";
import { type Kind, KINDS } from "./kinds.ts";

export const perKind = (): Record<Kind, number> => Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;

/** Organizations with buckets waiting (failed ones included, for their retry): a queue's work units. */
export async function organizationsQueued(db: Database): Promise<string[]> {
  const result = await db.execute<{ organization_id: string }>(sql`
    SELECT DISTINCT organization_id FROM edge_analytics.dirty_buckets ORDER BY organization_id`);
  return result.rows.map((r) => r.organization_id);
}

/** Buckets waiting per kind (not failed): how far a first build or a catch-up still has to go. */
export async function queuedPerKind(db: Database): Promise<Record<Kind, number>> {
  const result = await db.execute<{ kind: Kind; n: number }>(sql`
    SELECT kind, count(*)::int AS n FROM edge_analytics.dirty_buckets WHERE failed_at IS NULL GROUP BY kind`);
  const left = perKind();
  for (const row of result.rows) if (row.kind in left) left[row.kind] = Number(row.n);
  return left;
}

export type Waiting = { queued: Record<Kind, number>; failed: Record<Kind, number> };

/** Buckets queued and failed per kind (of one organization, if given), in one statement. */
export async function waitingBuckets(db: Database, organizationId?: string): Promise<Waiting> {
  const result = await db.execute<{ kind: Kind; queued: number; failed: number }>(sql`
    SELECT kind, count(*) FILTER (WHERE failed_at IS NULL)::int AS queued, count(*) FILTER (WHERE failed_at IS NOT NULL)::int AS failed
    FROM edge_analytics.dirty_buckets ${organizationId === undefined ? sql`` : sql`WHERE organization_id = ${organizationId}::uuid`}
    GROUP BY kind`);
  const waiting: Waiting = { queued: perKind(), failed: perKind() };
  for (const row of result.rows) {
    if (!(row.kind in waiting.queued)) continue;
    waiting.queued[row.kind] = Number(row.queued);
    waiting.failed[row.kind] = Number(row.failed);
  }
  return waiting;
}

/** The total of a per-kind count. */
export const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

// Every source's pass is finished: what was committed before the oldest watermark is all queued.
const COLLECTED = sql`NOT EXISTS (SELECT 1 FROM edge_analytics.refresh_watermarks w WHERE w.watermark IS NULL OR w.pass_started IS NOT NULL)`;

/**
 * A rollup answers requests once its first build is collected and nothing of it is left in the
 * queue (failed buckets excepted: their organizations are answered directly until a retry
 * succeeds): built_at. Whenever that holds, every change committed before the oldest watermark (the
 * start of the oldest last pass) is in it: that instant becomes its fresh_as_of (never moved back by
 * an older run finishing late). One statement for both.
 */
export async function markBuiltAndFresh(db: Database): Promise<void> {
  await db.execute(sql`
    UPDATE edge_analytics.rollup_status s
    SET built_at = coalesce(s.built_at, (now() AT TIME ZONE 'UTC')::timestamp(6)),
      fresh_as_of = GREATEST(s.fresh_as_of, (SELECT min(w.watermark) FROM edge_analytics.refresh_watermarks w))
    WHERE ${COLLECTED} AND NOT EXISTS (
      SELECT 1 FROM edge_analytics.dirty_buckets d
      WHERE d.failed_at IS NULL AND d.kind = ANY (${kindsOf(sql`s.rollup`)})
    )`);
}
