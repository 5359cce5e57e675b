import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import { apiKeys } from "../db/schema/index.ts";
import type { Database } from "../env.ts";

// Lago stores UTC in timestamp-without-time-zone columns, so "now" is compared in UTC whatever
// the session's TimeZone is.
const NOW_UTC = sql`(now() AT TIME ZONE 'UTC')`;

export async function findOrganizationIdByApiKey(db: Database, key: string): Promise<string | undefined> {
  const rows = await db
    .select({ organizationId: apiKeys.organizationId })
    .from(apiKeys)
    .where(and(eq(apiKeys.value, key), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, NOW_UTC))))
    .limit(1);
  return rows[0]?.organizationId;
}
