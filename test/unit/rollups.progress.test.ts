// Every refresh run makes progress, and never redoes finished work (issue 13): changes are collected
// in bounded chunks that resume where a cut-off run stopped, a row the last finished pass saw is not
// queued again when the 15-minute overlap re-reads it, and a bulk touch of a whole table is absorbed
// in one pass. At every step the service answers exactly: from Lago's tables until the rollup is
// built, from the rollup after, the same rows as the direct query.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invoicedUsage } from "../../src/queries/invoiced-usage.ts";
import { invoicedUsageFromRollup, readInvoicedUsage } from "../../src/queries/invoiced-usage-rollup.ts";
import { refreshRollups } from "../../src/rollups/refresh.ts";
import { ALL_MONTHS, createBillingOrg, createFiveMonths, NOW_SQL } from "../helpers/rollup-fixtures.ts";
import { openRollupDb, type RollupDb } from "../helpers/rollup-db.ts";

let t: RollupDb;
beforeAll(async () => {
  t = await openRollupDb();
}, 60_000);
afterAll(async () => t?.close());

const NOTHING_LEFT = { invoiced_usage: 0, revenue: 0, usage_day: 0, usage_week: 0, usage_month: 0 };
// budgetMs -1: each source collects exactly one chunk and nothing is recomputed; the smallest step.
const step = (chunkRows: number) => refreshRollups(t.db, { budgetMs: -1, chunkRows });
const fullRun = () => refreshRollups(t.db, { budgetMs: 60_000 });

const fiveMonths = () => createFiveMonths(t.db);

describe("the first build", () => {
  it("queues every bucket straight from Lago's tables and answers from them until the rollup is complete", async () => {
    const { s, expected } = await fiveMonths();
    // Another organization with gaps: fees in January and April 2025, usage on the 10th and 13th.
    const gapped = await createBillingOrg(t.db);
    await gapped.fee(100, "2025-01-20 08:00:00");
    await gapped.fee(400, "2025-04-02 08:00:00");
    await gapped.usage("2025-01-10", [{ units: "1", amountCents: 10 }]);
    await gapped.usage("2025-01-13", [{ units: "2", amountCents: 20 }]);
    // A run cut off before recomputing anything: the first read of each table is one statement
    // (every period between an organization's first and last row), so everything is queued already,
    // and no row was read one by one.
    const first = await step(2);
    expect(first.collecting).toEqual([]);
    expect(first.rowsRead).toBe(0);
    expect(first.queued).toBeGreaterThanOrEqual(5 + 5); // invoiced_usage and revenue, five months each
    expect(first.left.invoiced_usage).toBe(5 + 4);
    const queued = (kind: string) => t.query<{ d: string }>(
      "SELECT period_start::text AS d FROM edge_analytics.dirty_buckets WHERE organization_id = $1 AND kind = $2 ORDER BY 1", [gapped.org, kind]);
    // The months and days in between are queued too: empty buckets are cheap, a missed one would be wrong.
    expect((await queued("invoiced_usage")).map((r) => r.d)).toEqual(["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"]);
    expect((await queued("usage_day")).map((r) => r.d)).toEqual(["2025-01-10", "2025-01-11", "2025-01-12", "2025-01-13"]);
    // Mid-build: the rollup declines, the answer comes from Lago's tables, exact.
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toBeUndefined();
    expect((await readInvoicedUsage(t.db, s.org, ALL_MONTHS, true))?.rows).toEqual(expected);
    const done = await fullRun();
    expect(done).toMatchObject({ complete: true, failed: 0, left: NOTHING_LEFT, collecting: [] });
    expect(done.recomputed.invoiced_usage).toBe(5 + 4);
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(expected);
    // The empty months and days hold nothing: April's 400 and January's 100; one day row per usage day.
    expect((await invoicedUsageFromRollup(t.db, gapped.org, ALL_MONTHS))?.rows).toEqual([
      { month: "2025-04-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "400" },
      { month: "2025-01-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "100" },
    ]);
    expect(await t.query("SELECT period_start::text AS d, units::text AS units FROM edge_analytics.usage_rollup WHERE organization_id = $1 AND granularity = 'day' ORDER BY 1", [gapped.org]))
      .toEqual([{ d: "2025-01-10", units: "1" }, { d: "2025-01-13", units: "2" }]);
    expect(await invoicedUsage(t.db, s.org, ALL_MONTHS)).toEqual(expected);
  });
});

describe("after the first build", () => {
  it("re-reading the overlap queues nothing the last pass saw: a second run at once reads no row", async () => {
    await fiveMonths();
    await fullRun();
    // Every row of this database was stamped within the last 15 minutes, and the overlap re-reads them all.
    const again = await fullRun();
    expect(again).toMatchObject({ queued: 0, rowsRead: 0, complete: true, left: NOTHING_LEFT });
  });

  it("absorbs a bulk touch of every invoice in one pass, then reads nothing; the answers stay exact", async () => {
    const { s, expected } = await fiveMonths();
    await fullRun();
    const invoiceCount = (await t.query<{ n: number }>("SELECT count(*)::int AS n FROM invoices"))[0]!.n;
    await t.query(`UPDATE invoices SET updated_at = ${NOW_SQL}`); // as a Lago migration or backfill does
    const touched = await fullRun();
    expect(touched.rowsRead).toBe(invoiceCount);
    expect(touched.queued).toBeGreaterThanOrEqual(5); // this organization's five months at least
    expect(touched.left).toEqual(NOTHING_LEFT);
    const next = await fullRun();
    expect(next).toMatchObject({ queued: 0, rowsRead: 0 });
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(expected);
  });

  it("a pass cut off by its budget resumes where it stopped: every touched row is read once", async () => {
    const { s, invoices, expected } = await fiveMonths();
    await fullRun();
    const invoiceCount = (await t.query<{ n: number }>("SELECT count(*)::int AS n FROM invoices"))[0]!.n;
    await t.query(`UPDATE invoices SET updated_at = ${NOW_SQL}`);
    // Meanwhile a fee changes: once its pass reaches it, its month is recomputed like any other.
    await t.query(`UPDATE fees SET amount_cents = 150, updated_at = ${NOW_SQL} WHERE invoice_id = $1`, [invoices[0]]);
    let read = 0;
    let steps = 0;
    for (let report = await step(3); ; report = await step(3)) {
      read += report.rowsRead;
      steps++;
      if (!report.collecting.includes("invoices")) break;
      expect(report.recomputed.invoiced_usage).toBe(0);
      // Until the buckets are recomputed, the rollup still answers what it was built with.
      expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(expected);
    }
    // Three invoices per step, and the one changed fee in the first step's fee chunk: no row twice.
    expect(steps).toBe(Math.ceil(invoiceCount / 3) + (invoiceCount % 3 === 0 ? 1 : 0));
    expect(read).toBe(invoiceCount + 1);
    const finished = await fullRun();
    expect(finished).toMatchObject({ rowsRead: 0, complete: true, left: NOTHING_LEFT });
    const after = [...expected.slice(0, 4), { ...expected[4]!, amountCents: "150" }];
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(after);
    expect(await invoicedUsage(t.db, s.org, ALL_MONTHS)).toEqual(after);
  });

  it("finds a row committed after the last pass with a stamp from before it once the stamp is settled, and only once", async () => {
    const { s, expected } = await fiveMonths();
    await fullRun();
    // Stamped five minutes ago, committed only now (an application clock behind the database's, a
    // stamp set by hand): older than any transaction in flight at the last pass, so the next pass,
    // which starts from those (less the clock margin), does not read it.
    await s.fee(50, "2025-01-20 08:00:00", { stampedMinutesAgo: 5 });
    expect((await fullRun()).rowsRead).toBe(0);
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(expected);
    // The settled re-check reads each stamp once more when it is an overlap old: a 4-minute overlap
    // stands in for the 15 minutes passing.
    const settledRun = () => refreshRollups(t.db, { budgetMs: 60_000, overlap: "4 minutes" });
    expect((await settledRun()).rowsRead).toBe(1);
    const after = [...expected.slice(0, 4), { ...expected[4]!, amountCents: "150" }];
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(after);
    expect(await invoicedUsage(t.db, s.org, ALL_MONTHS)).toEqual(after);
    expect((await settledRun()).rowsRead).toBe(0);
  });

  it("re-reading an overlap full of seen rows goes in steps bounded by the rows scanned, and still finds a new change", async () => {
    const { s, expected } = await fiveMonths();
    await fullRun();
    const inOverlap = (await t.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM fees WHERE updated_at > (SELECT greatest(watermark - interval '15 minutes', in_flight_since - interval '1 second')
         FROM edge_analytics.refresh_watermarks WHERE source = 'fees')`))[0]!.n;
    expect(inOverlap).toBeGreaterThan(0);
    // Two rows scanned per step: the fees pass takes about inOverlap / 2 steps and reads nothing seen.
    let steps = 0;
    let read = 0;
    let added = false;
    for (let report = await refreshRollups(t.db, { budgetMs: -1, chunkRows: 5, scanRows: 2 }); ; report = await refreshRollups(t.db, { budgetMs: -1, chunkRows: 5, scanRows: 2 })) {
      steps++;
      read += report.rowsRead;
      if (!added) {
        // A change made while the pass is open, beyond its cursor: this pass finds it.
        await s.fee(60, "2025-02-20 08:00:00");
        added = true;
      }
      if (!report.collecting.includes("fees")) break;
    }
    expect(steps).toBeGreaterThanOrEqual(Math.floor(inOverlap / 2));
    expect(read).toBe(1);
    await fullRun();
    const after = [...expected.slice(0, 3), { ...expected[3]!, amountCents: "260" }, expected[4]!];
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(after);
    expect(await invoicedUsage(t.db, s.org, ALL_MONTHS)).toEqual(after);
  });

  it("several workers in one run share the queue: each bucket recomputed once, the answers exact", async () => {
    const { s, expected } = await fiveMonths();
    // One bucket per batch, three workers: five months handed out one at a time, none twice.
    const report = await refreshRollups(t.db, { budgetMs: 60_000, batchSize: 1, concurrency: 3 });
    expect(report).toMatchObject({ complete: true, failed: 0, left: NOTHING_LEFT });
    expect(report.recomputed.invoiced_usage).toBe(5);
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(expected);
  });
});
