// The rollups on small fixtures whose answers are worked out by hand: what the service answers before
// the first refresh, after it, between a change and the next refresh, and after that refresh.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invoicedUsage } from "../../src/queries/invoiced-usage.ts";
import { invoicedUsageFromRollup, readInvoicedUsage } from "../../src/queries/invoiced-usage-rollup.ts";
import { readUsage, usageFromRollup } from "../../src/queries/usage-rollup.ts";
import { usage, type UsageFilters } from "../../src/queries/usage.ts";
import { readCurrencies } from "../../src/queries/organization.ts";
import { refreshRollups } from "../../src/rollups/refresh.ts";
import { ALL_MONTHS, createBillingOrg, NOW_SQL } from "../helpers/rollup-fixtures.ts";
import { openRollupDb, type RollupDb } from "../helpers/rollup-db.ts";

let t: RollupDb;
beforeAll(async () => {
  t = await openRollupDb();
}, 60_000);
afterAll(async () => t?.close());

const MARCH_2025: UsageFilters = { timeGranularity: "monthly", fromDate: "2025-03-01", toDate: "2025-03-31" };
const refresh = () => refreshRollups(t.db, { budgetMs: 60_000 });

describe("rollups, worked by hand", () => {
  it("answers from Lago's tables until the first build, from the rollup after it, the same rows", async () => {
    const s = await createBillingOrg(t.db);
    await s.fee(1000, "2025-03-10 08:00:00");
    await s.fee(2500, "2025-03-20 18:30:00", { coupons: "0.50000" }); // 2499.5: March is 3499.5, rounded once to 3500
    await s.fee(700, "2025-04-02 00:00:00");
    const expected = [
      { month: "2025-04-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "700" },
      { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "3500" },
    ];
    // Not built: the rollup declines, the service reads Lago's tables.
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toBeUndefined();
    expect((await readInvoicedUsage(t.db, s.org, ALL_MONTHS, true))?.rows).toEqual(expected);

    const report = await refresh();
    expect(report).toMatchObject({ complete: true, failed: 0, left: { invoiced_usage: 0, revenue: 0, usage_day: 0, usage_week: 0, usage_month: 0 } });
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(expected);
    expect(await invoicedUsage(t.db, s.org, ALL_MONTHS)).toEqual(expected);
  });

  it("says what a run cut off by its budget left queued, and the next run finishes it", async () => {
    const s = await createBillingOrg(t.db);
    await s.fee(1000, "2025-03-10 08:00:00");
    const cut = await refreshRollups(t.db, { budgetMs: -1 });
    const queued = await t.query<{ kind: string; n: number }>(
      "SELECT kind, count(*)::int AS n FROM edge_analytics.dirty_buckets WHERE failed_at IS NULL GROUP BY kind");
    expect(cut.complete).toBe(false);
    // The fee's month for invoiced_usage and for the revenue rollup at least (the 15-minute overlap
    // re-reads other tests' rows too): exactly what the queue holds.
    expect(cut.left.invoiced_usage).toBeGreaterThanOrEqual(1);
    expect(cut.left.revenue).toBeGreaterThanOrEqual(1);
    expect(Object.fromEntries(Object.entries(cut.left).filter(([, n]) => n > 0))).toEqual(Object.fromEntries(queued.map((r) => [r.kind, r.n])));
    expect((await refresh()).left).toEqual({ invoiced_usage: 0, revenue: 0, usage_day: 0, usage_week: 0, usage_month: 0 });
  });

  it("follows an invoice from finalized to voided, and a lost dispute, after the refresh", async () => {
    const s = await createBillingOrg(t.db);
    const other = await s.invoice(1);
    await s.fee(1000, "2025-05-03 10:00:00");
    await s.fee(400, "2025-05-04 10:00:00", { invoiceId: other });
    await refresh();
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual([
      { month: "2025-05-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "1400" },
    ]);

    await t.query(`UPDATE invoices SET status = 2, voided_at = ${NOW_SQL}, updated_at = ${NOW_SQL} WHERE id = $1`, [s.invoiceId]);
    // Until the next refresh the rollup still holds the voided invoice's 1000 (the documented lag).
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual([
      { month: "2025-05-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "1400" },
    ]);
    await refresh();
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual([
      { month: "2025-05-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "400" },
    ]);

    await t.query(`UPDATE invoices SET payment_dispute_lost_at = ${NOW_SQL}, updated_at = ${NOW_SQL} WHERE id = $1`, [other]);
    await refresh();
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual([]);
    expect(await invoicedUsage(t.db, s.org, ALL_MONTHS)).toEqual([]);
  });

  it("counts a draft once it is finalized, drops a deleted fee, and adds new fees, after the refresh", async () => {
    const s = await createBillingOrg(t.db);
    const draft = await s.invoice(0);
    await s.fee(300, "2025-06-10 10:00:00", { invoiceId: draft });
    const deleted = await s.fee(200, "2025-06-11 10:00:00");
    await refresh();
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual([
      { month: "2025-06-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "200" },
    ]);

    await t.query(`UPDATE invoices SET status = 1, finalized_at = ${NOW_SQL}, updated_at = ${NOW_SQL} WHERE id = $1`, [draft]);
    await t.query(`UPDATE fees SET deleted_at = ${NOW_SQL}, updated_at = ${NOW_SQL} WHERE id = $1`, [deleted]);
    await s.fee(55, "2025-07-01 00:00:00", { coupons: "0.50000" }); // 54.5 -> 55 (half away from zero)
    await refresh();
    const expected = [
      { month: "2025-07-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "55" },
      { month: "2025-06-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "300" },
    ];
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(expected);
    expect(await invoicedUsage(t.db, s.org, ALL_MONTHS)).toEqual(expected);
  });

  it("picks up a change stamped before the watermark but committed late, once its stamp is an overlap old", async () => {
    const s = await createBillingOrg(t.db);
    await refresh();
    // A fee stamped five minutes ago and committed only now (a clock behind, a stamp set by hand).
    await s.fee(900, "2025-08-08 08:00:00", { stampedMinutesAgo: 5 });
    await refresh();
    // A 4-minute overlap stands in for the 15 minutes after which each stamp is re-checked.
    await refreshRollups(t.db, { budgetMs: 60_000, overlap: "4 minutes" });
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual([
      { month: "2025-08-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "900" },
    ]);
  });

  it("moves each watermark to the refresh's own time, even when nothing was queued (an invoice without fees)", async () => {
    const s = await createBillingOrg(t.db);
    await refresh();
    const lonely = await s.invoice(1);
    await t.query(`UPDATE invoices SET updated_at = ${NOW_SQL} WHERE id = $1`, [lonely]);
    await refresh();
    const [row] = await t.query<{ moved: boolean }>(
      `SELECT w.watermark >= i.updated_at AS moved FROM edge_analytics.refresh_watermarks w, invoices i
       WHERE w.source = 'invoices' AND i.id = $1`, [lonely]);
    expect(row).toEqual({ moved: true });
  });

  it("follows a renamed metric after the refresh, with or without a billing entity", async () => {
    const s = await createBillingOrg(t.db);
    await s.fee(123, "2025-09-09 09:00:00");
    await refresh();
    await t.query(`UPDATE billable_metrics SET code = 'requests', updated_at = ${NOW_SQL} WHERE id = $1`, [s.metricId]);
    await refresh();
    const renamed = [{ month: "2025-09-01T00:00:00.000Z", code: "requests", currency: "USD", amountCents: "123" }];
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(renamed);
    expect((await invoicedUsageFromRollup(t.db, s.org, { ...ALL_MONTHS, billingEntityIds: [s.billingEntityId] }))?.rows).toEqual(renamed);
    expect(await invoicedUsage(t.db, s.org, ALL_MONTHS)).toEqual(renamed);
  });

  it("counts the service's usage snapshots where Lago has no row, and Lago's row once Lago writes one for the same day", async () => {
    const s = await createBillingOrg(t.db);
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    await s.usage("2025-03-10", [{ units: "1", amountCents: 100 }], a);
    await s.snapshot("2025-03-10", [{ units: "50", amountCents: 5000 }], a); // Lago's row wins
    await s.snapshot("2025-03-12", [{ units: "2", amountCents: 200 }], a);
    await s.snapshot("2025-03-10", [{ units: "0.5", amountCents: 50 }], b);
    await refresh();
    const month = (amount: string, units: string) => [{
      start_of_period_dt: "2025-03-01", end_of_period_dt: "2025-03-31", amount_currency: "USD",
      billable_metric_code: "api_calls", amount_cents: amount, units, is_billable_metric_deleted: false,
    }];
    // 100 + 200 + 50 = 350; 1 + 2 + 0.5 = 3.5
    expect((await usageFromRollup(t.db, s.org, MARCH_2025))?.rows).toEqual(month("350", "3.5"));
    expect(await usage(t.db, s.org, MARCH_2025)).toEqual(month("350", "3.5"));

    // A snapshot taken after the build, and Lago's own row written for a day the service took: the
    // next refresh counts the first and lets Lago's row replace the snapshot (b's 0.5/50 by 4/40).
    await s.snapshot("2025-03-20", [{ units: "1", amountCents: 10 }], a);
    await s.usage("2025-03-10", [{ units: "4", amountCents: 40 }], b);
    await refresh();
    // 100 + 200 + 10 + 40 = 350; 1 + 2 + 1 + 4 = 8
    expect((await usageFromRollup(t.db, s.org, MARCH_2025))?.rows).toEqual(month("350", "8"));
    expect(await usage(t.db, s.org, MARCH_2025)).toEqual(month("350", "8"));
  });

  it("sums daily usage records exactly and follows rewritten rows after the refresh", async () => {
    const s = await createBillingOrg(t.db);
    await s.usage("2025-03-10", [{ units: "1.5", amountCents: 100 }]);
    const rewritten = await s.usage("2025-03-11", [{ units: "2.25", amountCents: "50.5" }]);
    await s.usage("2025-04-01", [{ units: "7", amountCents: 1 }]); // outside March
    await refresh();
    // 100 + 50.5 = 150.5 -> 151; 1.5 + 2.25 = 3.75
    const march = [{
      start_of_period_dt: "2025-03-01", end_of_period_dt: "2025-03-31", amount_currency: "USD",
      billable_metric_code: "api_calls", amount_cents: "151", units: "3.75", is_billable_metric_deleted: false,
    }];
    expect((await usageFromRollup(t.db, s.org, MARCH_2025))?.rows).toEqual(march);
    expect(await usage(t.db, s.org, MARCH_2025)).toEqual(march);

    await t.query(
      `UPDATE daily_usages SET usage_diff = jsonb_set(jsonb_set(usage_diff, '{charges_usage,0,units}', '"0.25"'),
         '{charges_usage,0,amount_cents}', '0.5'), updated_at = ${NOW_SQL} WHERE id = $1`,
      [rewritten],
    );
    await s.usage("2025-03-31", [{ units: "1", amountCents: 9 }]);
    await refresh();
    // 100 + 0.5 + 9 = 109.5 -> 110; 1.5 + 0.25 + 1 = 2.75
    const after = [{ ...march[0], amount_cents: "110", units: "2.75" }];
    expect((await usageFromRollup(t.db, s.org, MARCH_2025))?.rows).toEqual(after);
    expect(await usage(t.db, s.org, MARCH_2025)).toEqual(after);
    // A window that cuts March: whole weeks from week rows, the cut ones from day rows.
    const cut: UsageFilters = { timeGranularity: "weekly", fromDate: "2025-03-11", toDate: "2025-03-31" };
    expect((await usageFromRollup(t.db, s.org, cut))?.rows).toEqual([
      { ...march[0], start_of_period_dt: "2025-03-10", end_of_period_dt: "2025-03-16", amount_cents: "1", units: "0.25" },
      { ...march[0], start_of_period_dt: "2025-03-31", end_of_period_dt: "2025-04-06", amount_cents: "9", units: "1" },
    ]);
  });

  it("answers an organization whose usage cannot be summed from daily_usages, as without rollups", async () => {
    const s = await createBillingOrg(t.db);
    const healthy = await createBillingOrg(t.db);
    await healthy.usage("2025-03-12", [{ units: "2", amountCents: 20 }]);
    const broken = await s.usage("2025-03-12", [{ units: "1", amountCents: 10 }]);
    await t.query(`UPDATE daily_usages SET usage_diff = '{"charges_usage": {"not": "an array"}}', updated_at = ${NOW_SQL} WHERE id = $1`, [broken]);
    const report = await refresh();
    expect(report.failed).toBeGreaterThanOrEqual(1);
    // The broken organization is answered from daily_usages, which fails the same way it always did...
    expect((await usageFromRollup(t.db, s.org, MARCH_2025))?.rows).toBeUndefined();
    await expect(readUsage(t.db, s.org, MARCH_2025, true)).rejects.toThrow();
    // ...while every other organization is still served by the rollup.
    expect((await usageFromRollup(t.db, healthy.org, MARCH_2025))?.rows).toEqual([{
      start_of_period_dt: "2025-03-01", end_of_period_dt: "2025-03-31", amount_currency: "USD",
      billable_metric_code: "api_calls", amount_cents: "20", units: "2", is_billable_metric_deleted: false,
    }]);

    // Fixed in Lago: the failed day is retried and the organization is served by the rollup again.
    await t.query(
      `UPDATE daily_usages SET usage_diff = '{"charges_usage": []}', updated_at = ${NOW_SQL} WHERE id = $1`,
      [broken],
    );
    expect(await refresh()).toMatchObject({ failed: 0 });
    expect((await usageFromRollup(t.db, s.org, MARCH_2025))?.rows).toEqual([]);
  });
});

describe("a Lago database without the service's migration", () => {
  it("is answered from Lago's tables, with the same rows", async () => {
    const other = await openRollupDb();
    try {
      const s = await createBillingOrg(other.db);
      await s.fee(1000, "2025-03-10 08:00:00");
      await s.usage("2025-03-10", [{ units: "1.5", amountCents: 100 }]);
      await other.query("DROP SCHEMA edge_analytics CASCADE");
      expect((await readInvoicedUsage(other.db, s.org, ALL_MONTHS, true))?.rows).toEqual([
        { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "1000" },
      ]);
      expect((await readUsage(other.db, s.org, MARCH_2025, true))?.rows).toEqual([{
        start_of_period_dt: "2025-03-01", end_of_period_dt: "2025-03-31", amount_currency: "USD",
        billable_metric_code: "api_calls", amount_cents: "100", units: "1.5", is_billable_metric_deleted: false,
      }]);
    } finally {
      await other.close();
    }
  }, 60_000);
});

describe("the organization's currencies (the dashboard's list)", () => {
  it("come from Lago's invoices until the revenue rollup is built, from the rollup after, the same list", async () => {
    // A database of its own: its rollup is not built until this test refreshes it.
    const own = await openRollupDb();
    try {
      const s = await createBillingOrg(own.db);
      // Counted: the fixture's USD invoice and a EUR one; not counted: a draft in GBP, a self-billed one in CHF.
      await s.invoice(1, "EUR");
      await s.invoice(0, "GBP");
      const selfBilled = await s.invoice(1, "CHF");
      await own.query("UPDATE invoices SET self_billed = true WHERE id = $1", [selfBilled]);
      await own.query("UPDATE invoices SET issuing_date = '2025-03-05' WHERE organization_id = $1", [s.org]);
      expect(await readCurrencies(own.db, s.org)).toEqual(["EUR", "USD"]);
      await refreshRollups(own.db, { budgetMs: 60_000 });
      expect(await readCurrencies(own.db, s.org)).toEqual(["EUR", "USD"]);
      // A JPY invoice after the build: the rollup answers as of its last refresh, then has it too.
      await s.invoice(1, "JPY");
      await own.query("UPDATE invoices SET issuing_date = '2025-04-01' WHERE organization_id = $1 AND currency = 'JPY'", [s.org]);
      expect(await readCurrencies(own.db, s.org)).toEqual(["EUR", "USD"]);
      await refreshRollups(own.db, { budgetMs: 60_000 });
      expect(await readCurrencies(own.db, s.org)).toEqual(["EUR", "JPY", "USD"]);
    } finally {
      await own.close();
    }
  }, 60_000);
});
