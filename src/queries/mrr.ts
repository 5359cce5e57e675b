import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import { equalTo, inIds, type RevenueFilters, utcMonthText, windowMonths, windowRow } from "./revenue-window.ts";

export type MrrRow = { month: string; amount_cents: string | null; currency: string | null };

// Lago's plans.interval values.
export const PLAN_INTERVALS = { weekly: 0, monthly: 1, yearly: 2, quarterly: 3, semiannual: 4 } as const;

// Shares are divisions (A / b). PostgreSQL gives a numeric quotient at least the dividend's scale, so
// the dividend is widened to 40 decimal places first: far beyond any cent, so a row's sum rounds as
// the exact rational sum would. A fee's last share is what remains of A, so a fee's shares always
// add up to A exactly.
const divide = (numerator: SQL, denominator: SQL) => sql`(round((${numerator})::numeric, 40) / (${denominator}))`;

/**
 * A fee's service-period text as a timestamp, or NULL when it is not one (never an error: Lago may
 * hold anything in fees.properties). A zone suffix is ignored, as a cast to timestamp does.
 */
function periodTimestamp(text: SQL): SQL {
  const shape = "^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$";
  // The day must exist in its month (2026-02-30 matches the shape but is not a date).
  const dayExists = sql`substr(${text}, 9, 2)::int <= extract(day FROM (to_date(substr(${text}, 1, 7), 'YYYY-MM') + interval '1 month - 1 day'))`;
  // Nested CASEs, because only CASE fixes the order of evaluation: the day is read once the shape holds.
  return sql`(CASE WHEN ${text} ~ ${shape} THEN CASE WHEN ${dayExists} THEN (${text})::timestamp END END)`;
}

/**
 * Monthly recurring revenue per UTC month and currency, from subscription fees of finalized invoices
 * (after coupons, with taxes): monthly plans in the issuing month; weekly plans as the month's total
 * per invoice × 4.33; quarterly, semiannual and yearly fees spread over their billed months (forward
 * when paid in advance, backward in arrears), in exact arithmetic, each row rounded once. Without a
 * currency filter, a window month with no revenue gets a placeholder row (amount and currency null).
 */
export async function mrr(db: Database, organizationId: string, filters: RevenueFilters): Promise<MrrRow[]> {
  const from = sql`f.properties ->> 'from_datetime'`;
  const to = sql`f.properties ->> 'to_datetime'`;
  const placeholders = filters.currency === undefined
    ? sql`UNION ALL SELECT m, NULL, NULL FROM w, ${windowMonths("w")} AS m WHERE NOT EXISTS (SELECT 1 FROM totals t WHERE t.month = m)`
    : sql``;
  const result = await db.execute<MrrRow>(sql`
    WITH w AS (${windowRow(organizationId, filters)}),
    counted AS (
      SELECT i.id AS invoice_id, f.amount_currency AS currency, p.interval AS plan_interval, p.pay_in_advance,
        i.issuing_date, date_trunc('month', i.issuing_date::timestamp) AS issuing_month,
        (f.amount_cents - f.precise_coupons_amount_cents + f.taxes_amount_cents)::numeric AS a,
        ${periodTimestamp(to)} - ${periodTimestamp(from)} AS period
      FROM fees f
      JOIN invoices i ON i.id = f.invoice_id
      JOIN subscriptions s ON s.id = f.subscription_id
      JOIN plans p ON p.id = s.plan_id
      WHERE i.organization_id = ${organizationId} AND f.organization_id = ${organizationId}
        AND f.fee_type = 2 AND f.deleted_at IS NULL AND i.status = 1 AND i.self_billed IS FALSE
        AND i.payment_dispute_lost_at IS NULL AND i.issuing_date IS NOT NULL AND i.currency IS NOT NULL
        AND p.interval IN (0, 1, 2, 3, 4)
        ${equalTo(sql`f.amount_currency`, filters.currency)} ${inIds(sql`i.billing_entity_id`, filters.billingEntityIds)}
    ),
    spread AS (
      -- Billed months b = minutes / (30.44 days of 1440 minutes) = 10·minutes / 438336, seconds ignored.
      SELECT c.*, mins, ceil(10 * mins / 438336.0)::int AS n,
        -- A / b, and the first in-advance month's part of it (the days left in the issuing month).
        ${divide(sql`c.a * 438336`, sql`10 * mins`)} AS per_month,
        ${divide(sql`c.a * 438336 * ((c.issuing_month + interval '1 month')::date - c.issuing_date)`,
          sql`10 * mins * ((c.issuing_month + interval '1 month')::date - c.issuing_month::date)`)} AS first_part
      FROM counted c,
        LATERAL (SELECT (extract(day FROM c.period) * 1440 + extract(hour FROM c.period) * 60 + extract(minute FROM c.period))::numeric AS mins) x
      WHERE c.plan_interval IN (2, 3, 4) AND c.pay_in_advance IS NOT NULL AND mins > 0
    ),
    shares AS (
      SELECT issuing_month AS month, currency, a AS share FROM counted WHERE plan_interval = 1
      UNION ALL
      SELECT issuing_month, currency, ${divide(sql`sum(a) * 433`, sql`100 * count(DISTINCT invoice_id)`)}
      FROM counted WHERE plan_interval = 0 GROUP BY issuing_month, currency
      UNION ALL
      SELECT CASE WHEN s.pay_in_advance THEN s.issuing_month + k * interval '1 month' ELSE s.issuing_month - k * interval '1 month' END,
        s.currency,
        CASE
          WHEN s.n = 1 THEN s.a
          WHEN s.pay_in_advance AND k = 0 THEN s.first_part
          WHEN k < s.n - 1 THEN s.per_month
          WHEN s.pay_in_advance THEN s.a - s.first_part - (s.n - 2) * s.per_month
          ELSE s.a - (s.n - 1) * s.per_month
        END
      FROM spread s, generate_series(0, s.n - 1) AS k
    ),
    totals AS (
      SELECT sh.month, sh.currency, round(sum(sh.share)) AS amount
      FROM shares sh, w WHERE sh.month >= w.first_month AND sh.month < w.end_month
      GROUP BY sh.month, sh.currency
    ),
    answer AS (
      SELECT month, amount, currency FROM totals
      ${placeholders}
    )
    SELECT ${utcMonthText(sql`month`)} AS month, amount::text AS amount_cents, currency
    FROM answer
    ORDER BY answer.month, currency COLLATE "C"`);
  return result.rows;
}
