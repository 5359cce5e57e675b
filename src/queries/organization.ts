// What the dashboard needs to know of an organization before it asks for figures: its name, default
// currency and time zone, the currencies its invoices are in, its billing entities, and where its
// usage comes from (docs/usage-snapshots.md). The service's own question: Lago has no such endpoint.
import { sql } from "drizzle-orm";
import type { Database } from "../env.ts";
import { COVERED_SUBSCRIPTION, LAGO_WRITES_USAGE } from "../snapshots/due.ts";
import { countedInvoice, dateText, utcSecondText } from "./fragments.ts";
import { isRollupMissing, readRollup, rollupOrDirect } from "./rollup-status.ts";

export type OrganizationRow = {
  name: string;
  default_currency: string;
  timezone: string;
  /** Lago writes this organization's daily usage itself (its revenue_analytics integration). */
  lago_writes_usage: boolean;
  billing_entities: { code: string; name: string }[];
};

/** The usage snapshots' status row (edge_analytics.usage_snapshot_status), with its subscriptions. */
export type SnapshotStatusRow = {
  started_at: string;
  last_day_done: string | null;
  last_error: string | null;
  error_since: string | null;
  /** Subscriptions with usage stored for last_day_done (those that measured nothing have no row). */
  stored_for_last_day: number;
  /** Subscriptions the snapshots cover: active, started, not skipping daily usage, of a live customer. */
  subscriptions: number;
};

/** The organization, or undefined when it is gone (its key was valid a moment ago). */
export async function readOrganization(db: Database, organizationId: string): Promise<OrganizationRow | undefined> {
  const result = await db.execute<OrganizationRow>(sql`
    SELECT o.name, o.default_currency, o.timezone,
      ${LAGO_WRITES_USAGE} AS lago_writes_usage,
      coalesce((SELECT jsonb_agg(jsonb_build_object('code', b.code, 'name', b.name) ORDER BY b.code COLLATE "C", b.id)
        FROM billing_entities b WHERE b.organization_id = o.id AND b.deleted_at IS NULL AND b.archived_at IS NULL), '[]'::jsonb) AS billing_entities
    FROM organizations o WHERE o.id = ${organizationId}`);
  return result.rows[0];
}

/** The organization's snapshot status; undefined when none was taken yet or the service's schema is absent. */
export async function readSnapshotStatus(db: Database, organizationId: string): Promise<SnapshotStatusRow | undefined> {
  try {
    const result = await db.execute<SnapshotStatusRow>(sql`
      SELECT ${utcSecondText(sql`st.started_at`)} AS started_at, ${dateText(sql`st.last_day_done`)} AS last_day_done,
        st.last_error, ${utcSecondText(sql`st.error_since`)} AS error_since,
        (SELECT count(*)::int FROM edge_analytics.usage_snapshots u
          WHERE u.organization_id = st.organization_id AND u.usage_date = st.last_day_done) AS stored_for_last_day,
        (SELECT count(*)::int FROM subscriptions s JOIN customers c ON c.id = s.customer_id AND c.organization_id = s.organization_id
          WHERE s.organization_id = st.organization_id AND ${COVERED_SUBSCRIPTION}) AS subscriptions
      FROM edge_analytics.usage_snapshot_status st WHERE st.organization_id = ${organizationId}`);
    return result.rows[0];
  } catch (err) {
    if (isRollupMissing(err)) return undefined;
    throw err;
  }
}

/**
 * The currencies of the organization's counted invoices (those the revenue endpoints count, by
 * issuing month), in byte order: from the revenue rollup when it may answer (a few rows per month,
 * whatever the organization's size), else from Lago's invoices.
 */
export async function readCurrencies(db: Database, organizationId: string): Promise<string[]> {
  const read = await rollupOrDirect(
    () => readRollup<string[], string>(db, organizationId, {
      rollup: "revenue",
      rows: sql`SELECT jsonb_agg(c.currency ORDER BY c.currency COLLATE "C") FROM (
        SELECT DISTINCT r.currency FROM edge_analytics.revenue_monthly r WHERE r.organization_id = ${organizationId} AND r.invoices_count > 0) c`,
    }, (rows) => rows ?? []),
    async () => (await db.execute<{ currency: string }>(sql`
      SELECT c.currency FROM (
        SELECT DISTINCT i.currency FROM invoices i
        WHERE i.organization_id = ${organizationId} AND ${countedInvoice(sql`i`)} AND i.currency IS NOT NULL AND i.issuing_date IS NOT NULL) c
      ORDER BY c.currency COLLATE "C"`)).rows.map((r) => r.currency),
  );
  return read.rows;
}
