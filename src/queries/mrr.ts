import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../env.ts";
import { countedInvoice, utcInstantText } from "./fragments.ts";
import { type Answer, type Answers, readAnswer, requestScope, type RevenueFilters, type Scope, scopeFilters, windowMonths } from "./revenue-window.ts";

export type MrrRow = { month: string; amount_cents: string | null; currency: string | null };

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
 * MRR shares of the subscription fees on invoices issued in the scope, per issuing month
 * (source_month), month the share falls in, billing entity and currency: `shares` (monthly fees and
 * the spread plans' shares, exact) and, for weekly plans, the sum of A and the number of invoices
 * (`weekly`, `weekly_invoices`, in the issuing month), divided only when read.
 */
export function mrrRows(scope: Scope): SQL {
  const from = sql`f.properties ->> 'from_datetime'`;
  const to = sql`f.properties ->> 'to_datetime'`;
  return sql`SELECT source_month, month, billing_entity_id, currency,
      sum(share) AS shares, sum(weekly) AS weekly, count(DISTINCT weekly_invoice) AS weekly_invoices
    FROM (
      SELECT c.issuing_month AS source_month,
        CASE WHEN c.pay_in_advance THEN c.issuing_month + k * interval '1 month' ELSE c.issuing_month - k * interval '1 month' END AS month,
        c.billing_entity_id, c.currency,
        CASE
          WHEN c.plan_interval = 0 THEN 0
          WHEN c.plan_interval = 1 OR c.n = 1 THEN c.a
          WHEN c.pay_in_advance AND k = 0 THEN c.first_part
          WHEN k < c.n - 1 THEN c.per_month
          WHEN c.pay_in_advance THEN c.a - c.first_part - (c.n - 2) * c.per_month
          ELSE c.a - (c.n - 1) * c.per_month
        END AS share,
        CASE WHEN c.plan_interval = 0 THEN c.a ELSE 0 END AS weekly,
        CASE WHEN c.plan_interval = 0 THEN c.invoice_id END AS weekly_invoice
      FROM (
        SELECT f.*,
          -- Billed months b = minutes / (30.44 days of 1440 minutes) = 10·minutes / 438336, seconds ignored.
          CASE WHEN f.plan_interval IN (0, 1) THEN 1 ELSE ceil(10 * f.mins / 438336.0)::int END AS n,
          ${divide(sql`f.a * 438336`, sql`10 * f.mins`)} AS per_month,
          -- The first in-advance month's part: the days left in the issuing month.
          ${divide(sql`f.a * 438336 * ((f.issuing_month + interval '1 month')::date - f.issuing_date)`,
            sql`10 * f.mins * ((f.issuing_month + interval '1 month')::date - f.issuing_month::date)`)} AS first_part
        FROM (
          SELECT i.id AS invoice_id, i.billing_entity_id, f.amount_currency AS currency, pl.interval AS plan_interval, pl.pay_in_advance,
            i.issuing_date, date_trunc('month', i.issuing_date::timestamp) AS issuing_month,
            (f.amount_cents - f.precise_coupons_amount_cents + f.taxes_amount_cents)::numeric AS a,
            nullif((extract(day FROM d.period) * 1440 + extract(hour FROM d.period) * 60 + extract(minute FROM d.period))::numeric, 0) AS mins
          FROM invoices i
          JOIN fees f ON f.invoice_id = i.id
          JOIN subscriptions s ON s.id = f.subscription_id
          JOIN plans pl ON pl.id = s.plan_id
          -- OFFSET 0: the period is parsed once per fee; inlined, its pattern matches ran again for
          -- each of the day, hour and minute read from it, in the filter and in the select list.
          CROSS JOIN LATERAL (SELECT ${periodTimestamp(to)} - ${periodTimestamp(from)} AS period OFFSET 0) d
          WHERE i.organization_id = ${scope.organizationId} AND f.organization_id = ${scope.organizationId}
            AND i.issuing_date >= ${scope.from} AND i.issuing_date < ${scope.to}
            AND f.fee_type = 2 AND f.deleted_at IS NULL AND ${countedInvoice(sql`i`)} AND i.currency IS NOT NULL
            AND pl.interval IN (0, 1, 2, 3, 4)
            ${scopeFilters(scope, { currency: sql`f.amount_currency`, billingEntityId: sql`i.billing_entity_id` })}
        ) f
        -- Spread plans count only with a readable, positive period and a known timing.
        WHERE f.plan_interval IN (0, 1) OR (f.pay_in_advance IS NOT NULL AND f.mins > 0)
        -- OFFSET 0 keeps this a subquery: its 40-digit divisions run once per fee, not once per share
        -- row (the planner would otherwise inline them into every month of the spread; 7x at 1M).
        OFFSET 0
      ) c, generate_series(0, c.n - 1) AS k
    ) shares
    GROUP BY source_month, month, billing_entity_id, currency`;
}

/** Every issuing date: a share can reach the window from any month (a fee spreads over its period). */
const allSources = (organizationId: string, filters: RevenueFilters): Scope => ({
  ...requestScope(organizationId, filters),
  from: sql`'-infinity'::date`,
  to: sql`'infinity'::date`,
});

function storedMrrRows(organizationId: string, filters: RevenueFilters): SQL {
  const scope = requestScope(organizationId, filters);
  return sql`SELECT r.month::timestamp AS month, r.currency, r.shares_cents AS shares, r.weekly_cents AS weekly, r.weekly_invoices
    FROM edge_analytics.revenue_mrr r, w
    WHERE r.organization_id = ${scope.organizationId} AND r.month >= w.first_month AND r.month < w.end_month
      ${scopeFilters(scope, { currency: sql`r.currency`, billingEntityId: sql`r.billing_entity_id` })}`;
}

/**
 * One row per window month and currency: Σ shares + (weekly Σ A / invoices × 4.33), rounded once
 * (half away from zero). Without a currency filter a month with nothing gets a placeholder row
 * (amount and currency null), as Lago answers.
 */
function mrrAnswer(rows: SQL, filters: RevenueFilters): Answer {
  const placeholders = filters.currency === undefined
    ? sql`UNION ALL SELECT m, NULL, NULL FROM w, ${windowMonths} AS m WHERE NOT EXISTS (SELECT 1 FROM mrr_totals t WHERE t.month = m)`
    : sql``;
  return {
    ctes: [sql`mrr_totals AS (
      SELECT r.month, r.currency, round(sum(r.shares) + CASE WHEN sum(r.weekly_invoices) > 0
        THEN ${divide(sql`sum(r.weekly) * 433`, sql`100 * sum(r.weekly_invoices)`)} ELSE 0 END) AS amount
      FROM (${rows}) r, w WHERE r.month >= w.first_month AND r.month < w.end_month
      GROUP BY r.month, r.currency
    )`],
    select: sql`SELECT ${utcInstantText(sql`t.month`)} AS month, t.amount::text AS amount_cents, t.currency
      FROM (SELECT month, amount, currency FROM mrr_totals ${placeholders}) t
      ORDER BY t.month, t.currency COLLATE "C"`,
  };
}

/**
 * Monthly recurring revenue per UTC month and currency, from subscription fees of finalized invoices
 * (after coupons, with taxes): monthly plans in the issuing month; weekly plans as the month's total
 * per invoice × 4.33; quarterly, semiannual and yearly fees spread over their billed months (forward
 * when paid in advance, backward in arrears), in exact arithmetic, each row rounded once.
 */
export function readMrr(db: Database, organizationId: string, filters: RevenueFilters, useRollup: boolean) {
  return readAnswer<MrrRow>(db, organizationId, filters, mrrAnswers(organizationId, filters), useRollup);
}

export const mrrAnswers = (organizationId: string, filters: RevenueFilters): Answers => ({
  direct: mrrAnswer(mrrRows(allSources(organizationId, filters)), filters),
  stored: mrrAnswer(storedMrrRows(organizationId, filters), filters),
});
