import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import { apiKeys, organizations } from "../db/schema/index.ts";
import type { Database } from "../env.ts";

// Lago stores UTC in timestamp-without-time-zone columns, so "now" is compared in UTC whatever
// the session's TimeZone is.
const NOW_UTC = sql`(now() AT TIME ZONE 'UTC')`;

/**
 * A live (not expired) key's organization with its time zone (Lago's `organizations.timezone`), and
 * the key's expiry ('YYYY-MM-DD HH:MM:SS[.ffffff]', UTC) if any.
 */
export type LiveApiKey = { organizationId: string; organizationTimeZone: string; expiresAt: string | null };

export async function findLiveApiKey(db: Database, key: string): Promise<LiveApiKey | undefined> {
  const rows = await db
    .select({ organizationId: apiKeys.organizationId, organizationTimeZone: organizations.timezone, expiresAt: apiKeys.expiresAt })
    .from(apiKeys)
    .innerJoin(organizations, eq(organizations.id, apiKeys.organizationId))
    .where(and(eq(apiKeys.value, key), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, NOW_UTC))))
    .limit(1);
  return rows[0];
}
