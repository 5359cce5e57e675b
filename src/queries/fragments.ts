// SQL that several queries (and the rollups' recomputes) say the same way. Constant fragments only:
// nothing here is ever built from a caller's text.
import { sql, type SQL } from "drizzle-orm";

/** invoices.status of a finalized invoice, and fees.fee_type of a charge fee (Lago's enums). */
export const INVOICE_STATUS_FINALIZED = 1;
export const FEE_TYPE_CHARGE = 0;

/**
 * An invoice Lago's analytics count, `i` being its alias: finalized, not self-billed, no dispute
 * lost. Literals rather than parameters, so that the planner can use it whatever plan it makes.
 */
export const countedInvoice = (i: SQL) =>
  sql`${i}.status = ${sql.raw(String(INVOICE_STATUS_FINALIZED))} AND ${i}.self_billed IS FALSE AND ${i}.payment_dispute_lost_at IS NULL`;

/** An instant as the API writes it: ISO 8601 in UTC with milliseconds ('2026-03-01T00:00:00.000Z'). */
export const utcInstantText = (at: SQL) => sql`to_char(${at}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** An instant to the whole second, in UTC ('2026-03-01T00:00:00Z'): Lago's API writes its instants so. */
export const utcSecondText = (at: SQL) => sql`to_char(${at}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/** A calendar date as the API writes it ('2026-03-01'). */
export const dateText = (date: SQL) => sql`to_char(${date}, 'YYYY-MM-DD')`;

/**
 * A usage period per granularity: its date_trunc unit (PostgreSQL's 'week' truncates to the ISO
 * week's Monday), its length, and its name in the usage rollup (usage_rollup.granularity).
 */
export const USAGE_PERIODS = {
  daily: { granularity: "day", unit: sql`'day'`, length: sql`interval '1 day'` },
  weekly: { granularity: "week", unit: sql`'week'`, length: sql`interval '1 week'` },
  monthly: { granularity: "month", unit: sql`'month'`, length: sql`interval '1 month'` },
} as const;

const DAY_COLUMNS = "organization_id, customer_id, subscription_id, external_subscription_id, usage_date, usage_diff";

/** Lago's daily usage rows alone: for a database without the service's schema. */
export const LAGO_USAGE_DAYS = sql.raw(`(SELECT ${DAY_COLUMNS} FROM daily_usages)`);

/**
 * The daily usage rows every usage answer counts: Lago's daily_usages, and the service's usage
 * snapshots (edge_analytics.usage_snapshots) of the (subscription, day) pairs Lago has no row for:
 * Lago's row always wins, nothing is counted twice. Conditions on the organization and the day
 * reach both arms (PostgreSQL pushes them into a UNION ALL), so each reads through its own index.
 */
export const USAGE_DAYS = sql.raw(`(SELECT ${DAY_COLUMNS} FROM daily_usages
  UNION ALL
  SELECT ${DAY_COLUMNS} FROM edge_analytics.usage_snapshots s
  WHERE NOT EXISTS (SELECT 1 FROM daily_usages l WHERE l.subscription_id = s.subscription_id AND l.usage_date = s.usage_date))`);
