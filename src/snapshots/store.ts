// The snapshots' writes: the claim on a call, the stored row with its usage_diff, and each
// organization's status. Every statement is one round trip and safe to run twice (two consumers
// given the same subscription store one row).
import { sql } from "drizzle-orm";
import type { Database } from "../env.ts";
import type { CustomerUsage } from "./customer-usage.ts";
import { keptUsage, usageDiff } from "./diff.ts";
import { CLAIM_TIMEOUT, type DueSubscription, keysFingerprint } from "./due.ts";
import type { ErrorClass } from "./lago-api.ts";

type Day = Pick<DueSubscription, "subscription_id" | "usage_date" | "organization_id">;
/** What a stored row says of its subscription and day. */
export type StoredDay = Day & Pick<DueSubscription, "customer_id" | "external_subscription_id">;

/** Claims the call for the subscription's day (queued or not); false when another worker holds it or made it. */
export async function claimCall(db: Database, due: Day): Promise<boolean> {
  const result = await db.execute(sql`
    INSERT INTO edge_analytics.usage_snapshot_calls AS c (subscription_id, usage_date, organization_id, claimed_at)
    VALUES (${due.subscription_id}, ${due.usage_date}::date, ${due.organization_id}, now() AT TIME ZONE 'UTC')
    ON CONFLICT (subscription_id, usage_date) DO UPDATE SET claimed_at = excluded.claimed_at, outcome = NULL
      WHERE c.outcome = 'queued' OR (c.outcome IS NULL AND c.claimed_at < excluded.claimed_at - ${CLAIM_TIMEOUT}::interval)
    RETURNING 1 AS claimed`);
  return result.rows.length === 1;
}

/** Gives the claim back (the call failed in a way worth trying again) and notes the error's class. */
export async function releaseCall(db: Database, due: Day, error: ErrorClass): Promise<void> {
  // A refused key: the organization's live keys as Lago refused them; otherwise what was refused stays.
  const unauthorized = error === "unauthorized";
  await db.execute(sql`
    WITH released AS (
      DELETE FROM edge_analytics.usage_snapshot_calls c
      WHERE c.subscription_id = ${due.subscription_id} AND c.usage_date = ${due.usage_date}::date AND (c.outcome IS NULL OR c.outcome = 'queued')
    )
    INSERT INTO edge_analytics.usage_snapshot_status AS s (organization_id, started_at, last_error, error_since, refused_keys)
    VALUES (${due.organization_id}, now() AT TIME ZONE 'UTC', ${error}, now() AT TIME ZONE 'UTC',
      ${unauthorized ? keysFingerprint(sql`${due.organization_id}::uuid`) : sql`NULL`})
    ON CONFLICT (organization_id) DO UPDATE SET last_error = excluded.last_error,
      error_since = CASE WHEN s.last_error IS NOT DISTINCT FROM excluded.last_error THEN s.error_since ELSE excluded.error_since END,
      refused_keys = ${unauthorized ? sql`excluded.refused_keys` : sql`s.refused_keys`}`);
}

/**
 * Records a call that is done for the day: Lago's usage stored (unless nothing was measured), or the
 * subscription skipped (404/405). The usage_diff is against the same period's last snapshot before
 * this day, Lago's or the service's, its boundaries compared to the whole second.
 */
export async function finishCall(db: Database, due: DueSubscription, usage: CustomerUsage | undefined): Promise<"stored" | "empty" | "skipped"> {
  const kept = usage && keptUsage(usage);
  const outcome = usage === undefined ? "skipped" : kept ? "stored" : "empty";
  if (kept) await storeSnapshot(db, due, kept);
  await db.execute(sql`
    WITH done AS (
      UPDATE edge_analytics.usage_snapshot_calls SET outcome = ${outcome}
      WHERE subscription_id = ${due.subscription_id} AND usage_date = ${due.usage_date}::date
    )
    INSERT INTO edge_analytics.usage_snapshot_status AS s (organization_id, started_at, last_day_done)
    VALUES (${due.organization_id}, now() AT TIME ZONE 'UTC', ${due.usage_date}::date)
    ON CONFLICT (organization_id) DO UPDATE SET last_day_done = greatest(s.last_day_done, excluded.last_day_done),
      last_error = NULL, error_since = NULL, refused_keys = NULL`);
  return outcome;
}

/**
 * Stores a day's usage (unless the day has a row already) with its usage_diff against the same
 * billing period's last snapshot before this day, Lago's or the service's, the period's boundaries
 * compared to the whole second.
 */
export async function storeSnapshot(db: Database, due: StoredDay, usage: CustomerUsage): Promise<void> {
  const from = sql`date_trunc('second', ${usage.from_datetime}::timestamptz AT TIME ZONE 'UTC')`;
  const to = sql`date_trunc('second', ${usage.to_datetime}::timestamptz AT TIME ZONE 'UTC')`;
  const previous = await db.execute<{ usage: CustomerUsage }>(sql`
    SELECT p.usage FROM (
      SELECT d.usage, d.usage_date FROM daily_usages d WHERE d.subscription_id = ${due.subscription_id}
        AND date_trunc('second', d.from_datetime) = ${from} AND date_trunc('second', d.to_datetime) = ${to} AND d.usage_date < ${due.usage_date}::date
      UNION ALL
      SELECT u.usage, u.usage_date FROM edge_analytics.usage_snapshots u WHERE u.subscription_id = ${due.subscription_id}
        AND date_trunc('second', u.from_datetime) = ${from} AND date_trunc('second', u.to_datetime) = ${to} AND u.usage_date < ${due.usage_date}::date
    ) p ORDER BY p.usage_date DESC LIMIT 1`);
  const diff = usageDiff(usage, previous.rows[0]?.usage);
  await db.execute(sql`
    INSERT INTO edge_analytics.usage_snapshots (organization_id, customer_id, subscription_id, external_subscription_id,
      from_datetime, to_datetime, usage, usage_diff, usage_date, refreshed_at)
    VALUES (${due.organization_id}, ${due.customer_id}, ${due.subscription_id}, ${due.external_subscription_id},
      ${from}, ${to}, ${JSON.stringify(usage)}::jsonb, ${JSON.stringify(diff)}::jsonb, ${due.usage_date}::date, now() AT TIME ZONE 'UTC')
    ON CONFLICT (subscription_id, usage_date) DO NOTHING`);
}

/** Marks the subscriptions' days as sent to the queue, so that the next cron runs do not send them again. */
export async function markQueued(db: Database, due: Day[]): Promise<void> {
  if (due.length === 0) return;
  const rows = sql.join(due.map((d) => sql`(${d.subscription_id}::uuid, ${d.usage_date}::date, ${d.organization_id}::uuid)`), sql`, `);
  await db.execute(sql`
    INSERT INTO edge_analytics.usage_snapshot_calls AS c (subscription_id, usage_date, organization_id, claimed_at, outcome)
    SELECT v.subscription_id, v.usage_date, v.organization_id, now() AT TIME ZONE 'UTC', 'queued'
    FROM (VALUES ${rows}) AS v(subscription_id, usage_date, organization_id)
    ON CONFLICT (subscription_id, usage_date) DO UPDATE SET claimed_at = excluded.claimed_at, outcome = 'queued'
      WHERE c.outcome = 'queued'`);
}
