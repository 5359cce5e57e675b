// Which subscriptions are due a usage snapshot now (docs/usage-snapshots.md): of organizations
// Lago writes no daily usage for (no revenue_analytics), active and started, not skipping daily
// usage, of a customer not deleted; in the first three hours of the local day in the customer's
// applicable time zone (the customer's, else its billing entity's, else UTC, as Lago's
// Customer#applicable_timezone); with no row yet, Lago's or the service's, for local yesterday, and
// no call made or in flight for it.
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import { dateText } from "../queries/fragments.ts";

export type DueSubscription = {
  subscription_id: string;
  external_subscription_id: string;
  organization_id: string;
  customer_id: string;
  external_customer_id: string;
  /** Local yesterday, 'YYYY-MM-DD': the day the snapshot is stored under. */
  usage_date: string;
  /** One of the organization's live keys: sent to Lago's API only, never logged or stored. */
  api_key: string;
};

/** A claim older than this is taken over: whoever made it died before it said how the call went. */
export const CLAIM_TIMEOUT = "10 minutes";
/** A subscription sent to the queue is not sent again for this long (its message may still be waiting). */
export const QUEUED_TIMEOUT = "30 minutes";

/** Which due subscriptions to list: `organizationIds` (the tests), or `subscriptionIds` (a queue message's, queued or not). */
export type DueScope = { organizationIds?: string[]; subscriptionIds?: string[] };

/**
 * The customer's applicable time zone, `c` the customer and `be` its billing entity (Lago's
 * Customer#applicable_timezone: an empty string counts as absent).
 */
export const APPLICABLE_TIMEZONE = sql`coalesce(nullif(c.timezone, ''), nullif(be.timezone, ''), 'UTC')`;

/** Lago writes the organization's daily usage itself (its revenue_analytics integration), `o` the organization. */
export const LAGO_WRITES_USAGE = sql`('revenue_analytics' = ANY (coalesce(o.premium_integrations, '{}')))`;

/**
 * A subscription the snapshots cover, `s` the subscription and `c` its customer: active, started,
 * not skipping daily usage, of a customer not deleted.
 */
export const COVERED_SUBSCRIPTION = sql`s.status = 1 AND s.started_at IS NOT NULL AND s.skip_daily_usage IS NOT TRUE AND c.deleted_at IS NULL`;

/** `tz` is a zone PostgreSQL knows: an unknown one would fail the statement, so its customer is left out. */
export const knownZone = (tz: SQL) => sql`${tz} IN (SELECT name FROM pg_timezone_names)`;

/** The subscription has no row for the day yet, neither Lago's nor the service's. */
export const dayNotStored = (subscriptionId: SQL, day: SQL) => sql`NOT EXISTS (SELECT 1 FROM daily_usages d WHERE d.subscription_id = ${subscriptionId} AND d.usage_date = ${day})
      AND NOT EXISTS (SELECT 1 FROM edge_analytics.usage_snapshots u WHERE u.subscription_id = ${subscriptionId} AND u.usage_date = ${day})`;

/** The ids as a list of uuid parameters, for `IN (…)`. */
export const uuidList = (ids: string[]) => sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);

/** The organization's live keys, fingerprinted by ids and update times (never their values). */
export const keysFingerprint = (organizationId: SQL) => sql`(SELECT md5(coalesce(string_agg(k.id::text || '@' || k.updated_at::text, ',' ORDER BY k.id), ''))
  FROM api_keys k WHERE k.organization_id = ${organizationId} AND (k.expires_at IS NULL OR k.expires_at > (now() AT TIME ZONE 'UTC')))`;

/**
 * The subscriptions due at `now` (an instant), at most `limit`; `organizationIds` narrows them (the
 * tests: the cron takes every organization).
 */
export async function dueSubscriptions(db: Database, now: Date, limit: number, scope: DueScope = {}): Promise<DueSubscription[]> {
  const at = now.toISOString();
  const only = sql.join([
    scope.organizationIds ? sql`AND s.organization_id IN (${uuidList(scope.organizationIds)})` : sql``,
    scope.subscriptionIds ? sql`AND s.id IN (${uuidList(scope.subscriptionIds)})` : sql``,
  ], sql` `);
  // A message's own subscriptions are due though queued; the cron does not queue them again meanwhile.
  const queued = scope.subscriptionIds
    ? sql`c.outcome IN ('stored', 'empty', 'skipped')`
    : sql`c.outcome IN ('stored', 'empty', 'skipped') OR (c.outcome = 'queued' AND c.claimed_at > (${at}::timestamptz AT TIME ZONE 'UTC') - ${QUEUED_TIMEOUT}::interval)`;
  const result = await db.execute<DueSubscription>(sql`
    WITH subs AS (
      SELECT s.id, s.external_id, s.organization_id, s.customer_id, c.external_id AS customer_external_id,
        ${APPLICABLE_TIMEZONE} AS tz
      FROM subscriptions s
      JOIN organizations o ON o.id = s.organization_id
      JOIN customers c ON c.id = s.customer_id AND c.organization_id = s.organization_id
      LEFT JOIN billing_entities be ON be.id = c.billing_entity_id
      WHERE ${COVERED_SUBSCRIPTION} AND NOT ${LAGO_WRITES_USAGE}
        ${only}
    ),
    local AS (
      SELECT subs.*, (${at}::timestamptz AT TIME ZONE subs.tz) AS local_now FROM subs WHERE ${knownZone(sql`subs.tz`)}
    )
    SELECT l.id AS subscription_id, l.external_id AS external_subscription_id, l.organization_id, l.customer_id,
      l.customer_external_id AS external_customer_id, ${dateText(sql`l.local_now::date - 1`)} AS usage_date, k.value AS api_key
    FROM local l
    CROSS JOIN LATERAL (
      SELECT k.value FROM api_keys k WHERE k.organization_id = l.organization_id
        AND (k.expires_at IS NULL OR k.expires_at > (${at}::timestamptz AT TIME ZONE 'UTC'))
      ORDER BY k.created_at DESC, k.id LIMIT 1) k
    LEFT JOIN edge_analytics.usage_snapshot_status st ON st.organization_id = l.organization_id
    WHERE extract(hour FROM l.local_now) < 3
      AND ${dayNotStored(sql`l.id`, sql`l.local_now::date - 1`)}
      AND NOT EXISTS (SELECT 1 FROM edge_analytics.usage_snapshot_calls c WHERE c.subscription_id = l.id AND c.usage_date = l.local_now::date - 1
        AND (${queued} OR (c.outcome IS NULL AND c.claimed_at > (${at}::timestamptz AT TIME ZONE 'UTC') - ${CLAIM_TIMEOUT}::interval)))
      AND (st.refused_keys IS NULL OR st.refused_keys <> ${keysFingerprint(sql`l.organization_id`)})
    ORDER BY l.organization_id, l.id
    LIMIT ${limit}`);
  return result.rows;
}
