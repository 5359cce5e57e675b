import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import { dateText, USAGE_PERIODS } from "./fragments.ts";
import { type Read, readRollup, rollupOrDirect } from "./rollup-status.ts";
import { usage, type TimeGranularity, type UsageFilters, type UsageRow } from "./usage.ts";

/**
 * usage as the endpoint answers it: from the rollup when it is built and the caller says the rollup
 * keeps every filter given (the endpoint's allowlist, src/routes/usage.ts), otherwise from Lago's
 * daily_usages directly.
 */
export async function readUsage(db: Database, organizationId: string, filters: UsageFilters, useRollup: boolean): Promise<Read<UsageRow>> {
  const fromRollup = () => usageFromRollup(db, organizationId, filters);
  return rollupOrDirect(useRollup ? fromRollup : undefined, () => usage(db, organizationId, filters));
}

type JsonRow = [string, string, string | null, string | null, string, string, boolean];

/** The rows from the rollup, or undefined when the rollup may not answer for this organization. */
export function usageFromRollup(db: Database, organizationId: string, filters: UsageFilters): Promise<Read<UsageRow> | undefined> {
  const { granularity, unit, length } = USAGE_PERIODS[filters.timeGranularity];
  const plan = coverage(filters.timeGranularity, filters.fromDate, filters.toDate);
  const dayRanges = plan.days.map(([a, b]) => sql`(r.period_start BETWEEN ${a}::date AND ${b}::date)`);
  const keep: SQL[] = [];
  if (filters.currency !== undefined) keep.push(sql`r.amount_currency = ${filters.currency}`);
  if (filters.billableMetricCode !== undefined) keep.push(sql`r.billable_metric_code = ${filters.billableMetricCode}`);
  if (filters.isBillableMetricRecurring !== undefined) {
    keep.push(sql`EXISTS (SELECT 1 FROM billable_metrics bm WHERE bm.id::text = r.billable_metric_id
      AND bm.organization_id = ${organizationId} AND bm.recurring = ${filters.isBillableMetricRecurring})`);
  }
  const where = (rows: SQL) => sql.join([sql`(SELECT ok FROM ready)`, sql`r.organization_id = ${organizationId}`, rows, ...keep], sql` AND `);
  // Whole periods inside the window come from their own rows; the window's cut edges from day rows.
  const whole = plan.whole
    ? where(sql`r.granularity = ${granularity} AND r.period_start BETWEEN ${plan.whole[0]}::date AND ${plan.whole[1]}::date`)
    : sql`false`;
  const edges = dayRanges.length > 0 ? where(sql`r.granularity = 'day' AND (${sql.join(dayRanges, sql` OR `)})`) : sql`false`;
  const ctes = [sql`records AS (
      SELECT r.period_start, r.billable_metric_code AS code, r.amount_currency AS currency, r.units, r.amount_cents AS amount
      FROM edge_analytics.usage_rollup r WHERE ${whole}
      UNION ALL
      SELECT date_trunc(${unit}, r.period_start::timestamp)::date, r.billable_metric_code, r.amount_currency, r.units, r.amount_cents
      FROM edge_analytics.usage_rollup r WHERE ${edges}
    )`, sql`totals AS (
      SELECT period_start, code, currency, round(coalesce(sum(amount), 0)) AS amount, trim_scale(coalesce(sum(units), 0)) AS units
      FROM records GROUP BY period_start, code, currency
    )`];
  const rows = sql`SELECT coalesce(json_agg(json_build_array(
      ${dateText(sql`t.period_start`)}, ${dateText(sql`t.period_start + ${length} - interval '1 day'`)},
      t.currency, t.code, t.amount::text, t.units::text,
      NOT EXISTS (SELECT 1 FROM billable_metrics bm
        WHERE bm.organization_id = ${organizationId} AND bm.code = t.code AND bm.deleted_at IS NULL))
    ORDER BY t.period_start, t.code COLLATE "C", t.currency COLLATE "C"), '[]'::json)
    FROM totals t`;
  return readRollup<JsonRow[], UsageRow>(db, organizationId, { rollup: "usage", ctes, rows }, (json) =>
    (json ?? []).map(([start, end, currency, code, amount, units, deleted]) => ({
      start_of_period_dt: start, end_of_period_dt: end, amount_currency: currency, billable_metric_code: code,
      amount_cents: amount, units, is_billable_metric_deleted: deleted,
    })));
}

export type Coverage = { whole: [string, string] | undefined; days: [string, string][] };

/**
 * Splits the inclusive window [from, to] into whole periods (period starts from whole[0] to
 * whole[1], read from the period's own rows) and inclusive day ranges read from day rows, for the
 * periods the window cuts. Dates are 'YYYY-MM-DD' (UTC); a period is an ISO week or a month.
 */
export function coverage(granularity: TimeGranularity, from: string, to: string): Coverage {
  if (granularity === "daily") return { whole: [from, to], days: [] };
  const weekly = granularity === "weekly";
  const start = (d: string) => (weekly ? addDays(d, -((dayOfWeek(d) + 6) % 7)) : `${d.slice(0, 7)}-01`);
  const step = (p: string, n: number) => (weekly ? addDays(p, 7 * n) : addMonths(p, n));
  const isLastDay = (d: string) => (weekly ? dayOfWeek(d) === 0 : d === lastDayOfMonth(d));
  const firstWhole = start(from) === from ? from : step(start(from), 1);
  const lastWhole = isLastDay(to) ? start(to) : step(start(to), -1);
  if (firstWhole > lastWhole) return { whole: undefined, days: [[from, to]] };
  const days: [string, string][] = [];
  if (from < firstWhole) days.push([from, addDays(firstWhole, -1)]);
  if (!isLastDay(to)) days.push([start(to), to]);
  return { whole: [firstWhole, lastWhole], days };
}

const DAY_MS = 86_400_000;
const parse = (d: string) => Date.parse(`${d}T00:00:00Z`);
// Past year 9999 (no valid parameter reaches it, but a step may) a date sorts after every real one,
// so it never forms a range and never reaches a ::date cast.
const format = (ms: number) => (ms > Date.UTC(9999, 11, 31) ? "9999-99-99" : new Date(ms).toISOString().slice(0, 10));
const addDays = (d: string, n: number) => format(parse(d) + n * DAY_MS);
const dayOfWeek = (d: string) => new Date(parse(d)).getUTCDay();
const monthStartMs = (d: string, n: number) => {
  const date = new Date(parse(d));
  const ms = new Date(0);
  ms.setUTCFullYear(date.getUTCFullYear(), date.getUTCMonth() + n, 1);
  return ms.getTime();
};
const addMonths = (d: string, n: number) => format(monthStartMs(d, n));
const lastDayOfMonth = (d: string) => format(monthStartMs(d, 1) - DAY_MS);
