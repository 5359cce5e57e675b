// The exactness guard: on the generator's Lago-shaped data (every invoice status, fee type, currency,
// deleted and recreated metrics), the rollup path and the direct query give identical answers for
// every window, granularity and filter the rollup serves: after the Worker's cron handler builds the
// rollups, and again after fees and daily usages arrive, invoices change status, fees are deleted,
// daily usages are rewritten, and the next scheduled refresh runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { invoicedUsage, type InvoicedUsageFilters } from "../../src/queries/invoiced-usage.ts";
import { invoicedUsageFromRollup } from "../../src/queries/invoiced-usage-rollup.ts";
import { invoicedUsageInZoneFromRollup } from "../../src/queries/invoiced-usage-zones.ts";
import { usageFromRollup } from "../../src/queries/usage-rollup.ts";
import { usage, TIME_GRANULARITIES, type UsageFilters } from "../../src/queries/usage.ts";
import { grossRevenueAnswers, invoiceCollectionAnswers } from "../../src/queries/gross-revenue.ts";
import { mrrAnswers } from "../../src/queries/mrr.ts";
import { overdueBalanceAnswers } from "../../src/queries/overdue-balance.ts";
import { type Answers, readDirect, readStored, type RevenueFilters } from "../../src/queries/revenue-window.ts";
import { monthWindow } from "../../src/time/utc-months.ts";
import { generateLagoData } from "../../scripts/seed/generate.ts";
import { loadLagoData } from "../../scripts/seed/load.ts";
import { NOW_SQL } from "../helpers/rollup-fixtures.ts";
import { openRollupDb, type RollupDb } from "../helpers/rollup-db.ts";

const now = new Date();
const today = now.toISOString().slice(0, 10);
let t: RollupDb;
let orgs: { id: string; entities: string[] }[];

beforeAll(async () => {
  t = await openRollupDb();
  const data = generateLagoData({
    seed: "rollups", now, organizations: 2, months: 14, feesPerOrganization: 500, dailyUsagesPerOrganization: 300,
    metricsPerOrganization: 5, currencies: ["USD", "EUR", "GBP"],
  });
  await loadLagoData((text, params) => t.query(text, params), data);
  const rows = await t.query<{ id: string; entities: string[] }>(
    "SELECT o.id, array_agg(b.id ORDER BY b.code) AS entities FROM organizations o JOIN billing_entities b ON b.organization_id = o.id GROUP BY o.id",
  );
  orgs = rows;
}, 120_000);
afterAll(async () => t?.close());

/** The Worker's own scheduled handler, as the cron trigger calls it, against this test's database. */
async function cron() {
  const controller = { cron: "*/5 * * * *", scheduledTime: Date.now(), noRetry: () => {} };
  await worker.scheduled(controller as unknown as ScheduledController, { ...t.env, REGION: "local" });
}

function invoicedCases(entities: string[]): InvoicedUsageFilters[] {
  return [undefined, 1, 3, 14, 1200].flatMap((months) => {
    const w = monthWindow(now, months);
    return [undefined, "USD", "EUR", "JPY"].flatMap((currency) =>
      [undefined, ...entities.map((id) => [id]), entities].map((billingEntityIds) => ({ ...w, currency, billingEntityIds })),
    );
  });
}

// East and west of UTC, whole, half and three-quarter hours, both ends of the offsets' range, DST.
const ZONES = ["Europe/Paris", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12"];

function zoneCases(entities: string[]): (InvoicedUsageFilters & { timeZone: string })[] {
  return ZONES.flatMap((timeZone) =>
    [undefined, 3, 14].flatMap((months) => {
      const w = monthWindow(now, months, timeZone);
      return [undefined, "EUR"].flatMap((currency) =>
        [undefined, entities.slice(0, 1)].map((billingEntityIds) => ({ ...w, timeZone, currency, billingEntityIds })),
      );
    }),
  );
}

const WINDOWS: [string, string][] = [
  [daysAgo(30), today], [daysAgo(400), today], [daysAgo(200), daysAgo(100)], [daysAgo(3), daysAgo(3)], ["2001-01-01", "2001-12-31"],
];
const USAGE_FILTERS: Partial<UsageFilters>[] = [
  {}, { currency: "EUR" }, { billableMetricCode: "api_calls" }, { billableMetricCode: "storage_gb" },
  { isBillableMetricRecurring: true }, { isBillableMetricRecurring: false }, { currency: "USD", isBillableMetricRecurring: false },
];
function usageCases(): UsageFilters[] {
  return TIME_GRANULARITIES.flatMap((timeGranularity) =>
    WINDOWS.flatMap(([fromDate, toDate]) => USAGE_FILTERS.map((f) => ({ timeGranularity, fromDate, toDate, ...f }))));
}

const REVENUE: [string, (organizationId: string, filters: RevenueFilters) => Answers][] = [
  ["gross_revenue", grossRevenueAnswers], ["invoice_collection", invoiceCollectionAnswers], ["mrr", mrrAnswers], ["overdue_balance", overdueBalanceAnswers],
];

/** The four revenue endpoints: every window, currency and billing entity set, from the rollup and directly. */
async function expectIdenticalRevenue(): Promise<number> {
  let nonEmpty = 0;
  for (const org of orgs) {
    for (const f of invoicedCases(org.entities) as RevenueFilters[]) {
      for (const [name, answers] of REVENUE) {
        const both = answers(org.id, f);
        const fromRollup = (await readStored(t.db, org.id, f, both.stored))?.rows;
        expect(fromRollup, `${name} ${JSON.stringify(f)}`).toBeDefined();
        expect(fromRollup, `${name} ${JSON.stringify(f)}`).toEqual(await readDirect(t.db, org.id, f, both.direct));
        if ((fromRollup as { currency: string | null }[]).some((r) => r.currency !== null)) nonEmpty++;
      }
    }
  }
  return nonEmpty;
}

async function expectIdenticalAnswers() {
  // Most revenue answers must hold rows (not only placeholders) for the comparison to mean something.
  expect(await expectIdenticalRevenue()).toBeGreaterThan(400);
  let nonEmpty = 0;
  for (const org of orgs) {
    for (const f of invoicedCases(org.entities)) {
      const fromRollup = (await invoicedUsageFromRollup(t.db, org.id, f))?.rows;
      expect(fromRollup, JSON.stringify(f)).toBeDefined();
      expect(fromRollup, JSON.stringify(f)).toEqual(await invoicedUsage(t.db, org.id, f));
      if (fromRollup?.length) nonEmpty++;
    }
    for (const f of zoneCases(org.entities)) {
      const fromRollup = (await invoicedUsageInZoneFromRollup(t.db, org.id, f))?.rows;
      expect(fromRollup, JSON.stringify(f)).toBeDefined();
      expect(fromRollup, JSON.stringify(f)).toEqual(await invoicedUsage(t.db, org.id, f));
      if (fromRollup?.length) nonEmpty++;
    }
    for (const f of usageCases()) {
      const fromRollup = (await usageFromRollup(t.db, org.id, f))?.rows;
      expect(fromRollup, JSON.stringify(f)).toBeDefined();
      expect(fromRollup, JSON.stringify(f)).toEqual(await usage(t.db, org.id, f));
      if (fromRollup?.length) nonEmpty++;
    }
  }
  // The comparison means something only if most answers hold rows.
  expect(nonEmpty).toBeGreaterThan(200);
}

/**
 * Fees a microsecond to hours either side of UTC midnight on the 1st of the last six months, where
 * the months of the zones above begin: copies of one counted fee per organization and currency.
 */
async function addFeesAroundMonthStarts() {
  const offsets = ["-13 hours", "-5 hours -30 minutes", "-3 hours -30 minutes -1 microsecond", "-1 microsecond", "0 seconds",
    "3 hours 29 minutes 59.999999 seconds", "4 hours 59 minutes", "11 hours 59 minutes 59.999999 seconds"];
  for (const org of orgs) {
    await t.query(
      `INSERT INTO fees (organization_id, billing_entity_id, invoice_id, charge_id, amount_cents, precise_coupons_amount_cents,
         amount_currency, fee_type, invoiceable_type, created_at, updated_at)
       SELECT f.organization_id, f.billing_entity_id, f.invoice_id, f.charge_id, 1000 + m * 10 + o, 0.25, f.amount_currency, 0, 'Charge',
              date_trunc('month', ${NOW_SQL}) - make_interval(months => m) + offs.o_interval, ${NOW_SQL}
       FROM (SELECT DISTINCT ON (f.amount_currency) f.* FROM fees f JOIN invoices i ON i.id = f.invoice_id
             WHERE f.organization_id = $1 AND i.status = 1 AND f.fee_type = 0 AND f.deleted_at IS NULL AND i.self_billed = false
               AND i.payment_dispute_lost_at IS NULL ORDER BY f.amount_currency, f.id) f
       CROSS JOIN generate_series(0, 5) AS m
       CROSS JOIN LATERAL unnest($2::interval[]) WITH ORDINALITY AS offs(o_interval, o)`,
      [org.id, offsets],
    );
  }
}

function daysAgo(n: number) {
  return new Date(now.getTime() - n * 86_400_000).toISOString().slice(0, 10);
}

describe("rollups vs the direct queries", () => {
  it("agree on every case after the cron handler's first build", async () => {
    await addFeesAroundMonthStarts();
    await cron();
    const status = await t.query<{ rollup: string; built: boolean }>(
      "SELECT rollup, built_at IS NOT NULL AS built FROM edge_analytics.rollup_status ORDER BY rollup");
    expect(status).toEqual([
      { rollup: "invoiced_usage", built: true }, { rollup: "invoiced_usage_tz", built: true }, { rollup: "revenue", built: true },
      { rollup: "usage", built: true },
    ]);
    await expectIdenticalAnswers();
  }, 120_000);

  it("agree again after Lago writes and the next scheduled refresh", async () => {
    const [a, b] = orgs;
    if (!a || !b) throw new Error("fixtures missing");
    // New charge fees arrive on a finalized invoice, in this month and in an old one.
    await t.query(
      `INSERT INTO fees (organization_id, billing_entity_id, invoice_id, charge_id, amount_cents, precise_coupons_amount_cents,
         amount_currency, fee_type, invoiceable_type, created_at, updated_at)
       SELECT f.organization_id, f.billing_entity_id, f.invoice_id, f.charge_id, 777, 0.5, f.amount_currency, 0, 'Charge',
              d.created_at, ${NOW_SQL}
       FROM (SELECT f.* FROM fees f JOIN invoices i ON i.id = f.invoice_id
             WHERE f.organization_id = $1 AND i.status = 1 AND f.fee_type = 0 LIMIT 1) f
       CROSS JOIN (VALUES (${NOW_SQL} - interval '1 hour'), ('${daysAgo(200)} 12:00:00'::timestamp)) AS d(created_at)`,
      [a.id],
    );
    // Invoices move: drafts get finalized, finalized ones voided, a dispute is lost.
    await t.query(`UPDATE invoices SET status = 1, updated_at = ${NOW_SQL} WHERE id IN (
      SELECT id FROM invoices WHERE organization_id = $1 AND status = 0 LIMIT 3)`, [a.id]);
    await t.query(`UPDATE invoices SET status = 2, updated_at = ${NOW_SQL} WHERE id IN (
      SELECT DISTINCT invoice_id FROM fees WHERE organization_id = $1 AND fee_type = 0 AND invoice_id IS NOT NULL LIMIT 3)`, [b.id]);
    await t.query(`UPDATE invoices SET payment_dispute_lost_at = ${NOW_SQL}, updated_at = ${NOW_SQL} WHERE id IN (
      SELECT id FROM invoices WHERE organization_id = $1 AND status = 1 AND payment_dispute_lost_at IS NULL LIMIT 2)`, [b.id]);
    // Fees are soft-deleted; a pay-in-advance fee gets its invoice.
    await t.query(`UPDATE fees SET deleted_at = ${NOW_SQL}, updated_at = ${NOW_SQL} WHERE id IN (
      SELECT id FROM fees WHERE organization_id = $1 AND fee_type = 0 AND deleted_at IS NULL LIMIT 5)`, [a.id]);
    await t.query(`UPDATE fees f SET invoice_id = (SELECT id FROM invoices WHERE organization_id = $1 AND status = 1 LIMIT 1),
      updated_at = ${NOW_SQL} WHERE f.id IN (SELECT id FROM fees WHERE organization_id = $1 AND invoice_id IS NULL AND fee_type = 0 LIMIT 2)`, [b.id]);
    // Daily usages: today's rows arrive (copies of older ones) and older rows are rewritten.
    await t.query(`INSERT INTO daily_usages (organization_id, customer_id, subscription_id, external_subscription_id, usage, usage_diff,
        usage_date, updated_at)
      SELECT organization_id, customer_id, subscription_id, external_subscription_id, usage, usage_diff, '${today}'::date, ${NOW_SQL}
      FROM daily_usages WHERE organization_id = $1 LIMIT 4`, [a.id]);
    await t.query(`UPDATE daily_usages SET usage_diff = jsonb_set(usage_diff, '{charges_usage,0,units}', '"12.345"'), updated_at = ${NOW_SQL}
      WHERE id IN (SELECT id FROM daily_usages WHERE organization_id = $1 AND jsonb_array_length(usage_diff -> 'charges_usage') > 0 LIMIT 5)`, [b.id]);

    // Revenue: payments arrive, invoices become overdue, credit notes are finalized or deleted, a plan's
    // timing changes, a subscription fee lands on an old invoice.
    await t.query(`UPDATE invoices SET payment_status = 1, total_paid_amount_cents = total_amount_cents, payment_overdue = false,
      updated_at = ${NOW_SQL} WHERE id IN (SELECT id FROM invoices WHERE organization_id = $1 AND status = 1 AND payment_overdue LIMIT 3)`, [a.id]);
    await t.query(`UPDATE invoices SET payment_overdue = true, updated_at = ${NOW_SQL} WHERE id IN (
      SELECT id FROM invoices WHERE organization_id = $1 AND status = 1 AND payment_status = 0 AND NOT payment_overdue LIMIT 3)`, [b.id]);
    await t.query(`UPDATE credit_notes SET status = 1 - status + 1, updated_at = ${NOW_SQL} WHERE id IN (
      SELECT id FROM credit_notes WHERE organization_id = $1 AND status IN (0, 1) LIMIT 4)`, [a.id]);
    await t.query(`INSERT INTO credit_notes (organization_id, customer_id, invoice_id, number, credit_amount_currency, balance_amount_currency,
        total_amount_currency, issuing_date, status, refund_amount_cents, offset_amount_cents, updated_at)
      SELECT organization_id, customer_id, id, 'CN-new', currency, currency, currency, issuing_date, 1, 123, 45, ${NOW_SQL}
      FROM invoices WHERE organization_id = $1 AND status = 1 AND currency IS NOT NULL LIMIT 2`, [b.id]);
    await t.query(`UPDATE plans SET pay_in_advance = NOT pay_in_advance, updated_at = ${NOW_SQL} WHERE id IN (
      SELECT id FROM plans WHERE organization_id = $1 AND interval IN (2, 3, 4) LIMIT 1)`, [a.id]);
    await t.query(`INSERT INTO fees (organization_id, billing_entity_id, invoice_id, subscription_id, amount_cents, precise_coupons_amount_cents,
        taxes_amount_cents, amount_currency, fee_type, invoiceable_type, properties, created_at, updated_at)
      SELECT f.organization_id, f.billing_entity_id, f.invoice_id, f.subscription_id, 999, 0.5, 37, f.amount_currency, 2, 'Subscription',
        f.properties, f.created_at, ${NOW_SQL}
      FROM fees f JOIN invoices i ON i.id = f.invoice_id WHERE f.organization_id = $1 AND f.fee_type = 2 AND i.status = 1
        AND i.issuing_date < ${NOW_SQL} - interval '150 days' LIMIT 2`, [b.id]);

    // Before the refresh the rollup lags (the new fees are not in it yet)...
    const thisMonth = monthWindow(now, 2);
    const direct = await invoicedUsage(t.db, a.id, { ...thisMonth, currency: undefined, billingEntityIds: undefined });
    const stale = (await invoicedUsageFromRollup(t.db, a.id, { ...thisMonth, currency: undefined, billingEntityIds: undefined }))?.rows;
    expect(stale).not.toEqual(direct);
    const revenueWindow = { ...monthWindow(now, undefined), currency: undefined, billingEntityIds: undefined };
    const mrrBoth = mrrAnswers(b.id, revenueWindow);
    expect((await readStored(t.db, b.id, revenueWindow, mrrBoth.stored))?.rows).not.toEqual(await readDirect(t.db, b.id, revenueWindow, mrrBoth.direct));
    // ...after it, every answer is the direct query's again.
    await cron();
    await expectIdenticalAnswers();
    const queue = await t.query<{ n: number }>("SELECT count(*)::int AS n FROM edge_analytics.dirty_buckets");
    expect(queue).toEqual([{ n: 0 }]);
  }, 120_000);

  it("serves zone months stored by earlier reads only while their UTC months are unchanged", async () => {
    const [a] = orgs;
    if (!a) throw new Error("fixtures missing");
    const f = { ...monthWindow(now, 3, "Asia/Kolkata"), timeZone: "Asia/Kolkata", currency: undefined, billingEntityIds: undefined };
    expect((await invoicedUsageInZoneFromRollup(t.db, a.id, f))?.rows).toEqual(await invoicedUsage(t.db, a.id, f));
    const stored = await t.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM edge_analytics.invoiced_usage_zone_json WHERE organization_id = $1 AND zone = 'Asia/Kolkata' AND currency = ''", [a.id]);
    expect(stored[0]?.n).toBeGreaterThanOrEqual(3);
    // A fee lands in this month: once refreshed, the stored month is no longer served.
    await t.query(
      `INSERT INTO fees (organization_id, billing_entity_id, invoice_id, charge_id, amount_cents, precise_coupons_amount_cents,
         amount_currency, fee_type, invoiceable_type, created_at, updated_at)
       SELECT f.organization_id, f.billing_entity_id, f.invoice_id, f.charge_id, 4321, 0, f.amount_currency, 0, 'Charge', ${NOW_SQL} - interval '1 minute', ${NOW_SQL}
       FROM fees f JOIN invoices i ON i.id = f.invoice_id
       WHERE f.organization_id = $1 AND i.status = 1 AND f.fee_type = 0 AND f.deleted_at IS NULL AND i.self_billed = false
         AND i.payment_dispute_lost_at IS NULL LIMIT 1`, [a.id]);
    const before = (await invoicedUsageInZoneFromRollup(t.db, a.id, f))?.rows;
    await cron();
    const after = (await invoicedUsageInZoneFromRollup(t.db, a.id, f))?.rows;
    expect(after).toEqual(await invoicedUsage(t.db, a.id, f));
    expect(after).not.toEqual(before);
  }, 60_000);

  it("renders zone months without storing them when the database is read-only", async () => {
    const [, b] = orgs;
    if (!b) throw new Error("fixtures missing");
    const f = { ...monthWindow(now, 14, "Asia/Tokyo"), timeZone: "Asia/Tokyo", currency: "EUR", billingEntityIds: undefined };
    await t.query("SET default_transaction_read_only = on");
    try {
      expect((await invoicedUsageInZoneFromRollup(t.db, b.id, f))?.rows).toEqual(await invoicedUsage(t.db, b.id, f));
    } finally {
      await t.query("SET default_transaction_read_only = off");
    }
    const stored = await t.query<{ n: number }>("SELECT count(*)::int AS n FROM edge_analytics.invoiced_usage_zone_json WHERE zone = 'Asia/Tokyo'");
    expect(stored).toEqual([{ n: 0 }]);
  }, 60_000);
});
