// Whether a rollup may answer for an organization, and whether the database has rollups at all.
// The rollups live in the service's own schema (drizzle/0001_edge_analytics.sql); a Lago database
// that never received that migration is answered from Lago's tables, as before it existed.
import { sql, type SQL } from "drizzle-orm";
import { hasSqlState } from "../db-errors.ts";
import type { Database } from "../env.ts";
import { KINDS_OF_STATUS, type RollupStatus } from "../rollups/kinds.ts";
import { utcInstantText } from "./fragments.ts";

/**
 * A rollup_status row (src/rollups/kinds.ts): invoiced_usage_tz is the quarter-hour edges that answer
 * invoiced_usage in zones other than UTC; revenue is what gross_revenue, invoice_collection, mrr and
 * overdue_balance read.
 */
export type Rollup = RollupStatus;

/** An answer's rows and the time (ms since the epoch) as of which they hold Lago's data. */
export type Read<T> = { rows: T[]; dataAt: number };

// One CASE arm per rollup_status row, built once: WHEN 'usage' THEN ARRAY['usage_day', ...]::text[].
const KIND_ARMS = sql.raw(Object.entries(KINDS_OF_STATUS)
  .map(([status, kinds]) => `WHEN '${status}' THEN ARRAY[${kinds.map((k) => `'${k}'`).join(", ")}]::text[]`).join(" "));

/** The queue kinds that feed a rollup, for a rollup_status.rollup value or column. Constant fragments only. */
export const kindsOf = (rollup: SQL): SQL => sql`(CASE ${rollup} ${KIND_ARMS} END)`;

/**
 * True once the rollup's first full build is done, it knows how fresh it is, and no bucket of this
 * organization is stuck failing. Evaluated in the same statement as the read, so the answer costs
 * one round trip.
 */
export function rollupReady(rollup: Rollup, organizationId: string): SQL {
  const kinds = kindsOf(sql`${rollup}::text`);
  return sql`(coalesce((SELECT s.built_at IS NOT NULL AND s.fresh_as_of IS NOT NULL
      FROM edge_analytics.rollup_status s WHERE s.rollup = ${rollup}), false)
    AND NOT EXISTS (SELECT 1 FROM edge_analytics.dirty_buckets d
      WHERE d.kind = ANY (${kinds}) AND d.organization_id = ${organizationId} AND d.failed_at IS NOT NULL))`;
}

/** The rollup's fresh_as_of as ISO-8601 text (UTC): every change Lago made before it is in the rollup. */
export function rollupFreshAsOf(rollup: Rollup): SQL {
  return sql`(SELECT ${utcInstantText(sql`s.fresh_as_of`)} FROM edge_analytics.rollup_status s WHERE s.rollup = ${rollup})`;
}

/** Milliseconds since the epoch of rollupFreshAsOf's text. */
export const freshAsOfMs = (text: string | null): number => (text === null ? Number.NaN : Date.parse(text));

// undefined_table, invalid_schema_name, insufficient_privilege, undefined_column (a rollup schema
// older than this code, before its migration is re-run): no usable rollups here.
const MISSING_SQLSTATE = new Set(["42P01", "3F000", "42501", "42703"]);

export const isRollupMissing = (err: unknown): boolean => hasSqlState(err, MISSING_SQLSTATE);

/**
 * One rollup read: the named CTEs (`name AS (…)`) its rows need, which may use `ready`; the rows as
 * one value (JSON or text); and, when the read itself can find the rollup unable to answer (a zone
 * boundary it does not cover), that condition.
 */
export type RollupRead = { rollup: Rollup; ctes?: SQL[]; rows: SQL; alsoReady?: SQL };

/**
 * The rows from the rollup, or undefined when it may not answer for this organization (not built,
 * not fresh, a failing bucket). One statement: readiness, the rows and their freshness together.
 */
export async function readRollup<R, T>(
  db: Database,
  organizationId: string,
  { rollup, ctes = [], rows, alsoReady }: RollupRead,
  decode: (rows: R | null) => T[],
): Promise<Read<T> | undefined> {
  const ok = alsoReady === undefined ? sql`(SELECT ok FROM ready)` : sql`((SELECT ok FROM ready) AND ${alsoReady})`;
  const result = await db.execute<{ ready: boolean; rows: R | null; fresh_as_of: string | null }>(sql`
    WITH ${sql.join([sql`ready AS (SELECT ${rollupReady(rollup, organizationId)} AS ok)`, ...ctes], sql`, `)}
    SELECT ${ok} AS ready, CASE WHEN ${ok} THEN (${rows}) END AS rows, ${rollupFreshAsOf(rollup)} AS fresh_as_of`);
  const row = result.rows[0];
  if (!row?.ready) return undefined;
  return { rows: decode(row.rows), dataAt: freshAsOfMs(row.fresh_as_of) };
}

/**
 * The rollup's answer when it may give one (`fromRollup` undefined or resolving to undefined: it may
 * not), else Lago's tables read now: as of (at least) the moment the read starts. A database without
 * usable rollups is answered directly too.
 */
export async function rollupOrDirect<T>(
  fromRollup: (() => Promise<Read<T> | undefined>) | undefined,
  direct: () => Promise<T[]>,
): Promise<Read<T>> {
  const answer = await fromRollup?.().catch((err: unknown) => {
    if (isRollupMissing(err)) return undefined;
    throw err;
  });
  if (answer) return answer;
  const dataAt = Date.now();
  return { rows: await direct(), dataAt };
}
