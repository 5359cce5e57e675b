// A cron run on a quiet database costs a handful of statements (issue 22): every source with nothing
// new is closed by one statement for all of them, and no recompute statement is sent when nothing is
// queued. The next change is still found and answered exactly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseTiming } from "../../src/env.ts";
import { invoicedUsage } from "../../src/queries/invoiced-usage.ts";
import { invoicedUsageFromRollup } from "../../src/queries/invoiced-usage-rollup.ts";
import { refreshRollups } from "../../src/rollups/refresh.ts";
import { ALL_MONTHS, createFiveMonths } from "../helpers/rollup-fixtures.ts";
import { openRollupDb, type RollupDb } from "../helpers/rollup-db.ts";

let t: RollupDb;
beforeAll(async () => {
  t = await openRollupDb();
}, 60_000);
afterAll(async () => t?.close());

const CRON_RUN = { budgetMs: 60_000, concurrency: 2 };
const NOTHING = { invoiced_usage: 0, revenue: 0, usage_day: 0, usage_week: 0, usage_month: 0 };

/** One cron run through a handle that counts its statements. */
async function countedRun() {
  const timing: DatabaseTiming = { ms: 0, queries: 0 };
  const report = await refreshRollups(t.counted(timing), CRON_RUN);
  return { report, statements: timing.queries };
}

describe("an idle cron run", () => {
  it("sends four statements, recomputes nothing, moves the freshness on, and the next change is still found", async () => {
    const { s, expected } = await createFiveMonths(t.db);
    await s.usage("2025-02-10", [{ units: "3", amountCents: 30 }]);
    await refreshRollups(t.db, CRON_RUN); // the first build
    // A run's pass starts one second (the clock margin) before the last pass's oldest transaction
    // in flight: rows stamped within that second are read once more, then never again.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await refreshRollups(t.db, CRON_RUN);
    const before = await freshAsOf();

    const idle = await countedRun();
    // The sources' positions and the oldest transaction in flight; every source closed at once;
    // the queue's counts; built and fresh marked. Nothing else.
    expect(idle.statements).toBe(4);
    expect(idle.report).toMatchObject({ queued: 0, rowsRead: 0, recomputed: NOTHING, left: NOTHING, complete: true, collecting: [], enqueued: 0 });
    const after = await freshAsOf();
    expect(after.length).toBe(4);
    for (const [i, row] of after.entries()) expect(Date.parse(row.fresh)).toBeGreaterThan(Date.parse(before[i]!.fresh));

    // A day's write after the idle run: a fee in March (300 + 45), found by the next run.
    await s.fee(45, "2025-03-20 09:00:00");
    const busy = await countedRun();
    expect(busy.report.recomputed).toMatchObject({ invoiced_usage: 1, revenue: 1 });
    const march = { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "345" };
    const now = expected.map((row) => (row.month === march.month ? march : row));
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(now);
    expect(await invoicedUsage(t.db, s.org, ALL_MONTHS)).toEqual(now);
  });
});

const freshAsOf = () =>
  t.query<{ rollup: string; fresh: string }>("SELECT rollup, fresh_as_of::text || 'Z' AS fresh FROM edge_analytics.rollup_status ORDER BY rollup");
