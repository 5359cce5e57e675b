// The rollup refresh fanned out on Cloudflare Queues (src/rollups/queue.ts). End to end in
// `wrangler dev`, whose Miniflare runs the producer and the consumer in one process: the cron sends
// one message per organization and the consumer builds the rollups, which then answer exactly what
// Lago's tables do. Then the consumer's own guarantees, against the same database: overlapping
// consumers of one organization, and work retried after the database failed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { neon } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import { invoicedUsage } from "../../src/queries/invoiced-usage.ts";
import { invoicedUsageFromRollup } from "../../src/queries/invoiced-usage-rollup.ts";
import { consumeRollupWork, type RollupWork } from "../../src/rollups/queue.ts";
import { collectRollupChanges } from "../../src/rollups/refresh.ts";
import { freePort, type LocalService, startLocalService } from "../../scripts/local-service.ts";
import { ALL_MONTHS, createFiveMonths } from "../helpers/rollup-fixtures.ts";
import { openRollupDb, type RollupDb } from "../helpers/rollup-db.ts";
import type { OpenDatabase } from "../../src/db/client.ts";

let t: RollupDb;
let service: LocalService;
let output = "";
beforeAll(async () => {
  t = await openRollupDb();
  // The Worker in wrangler dev, on this test's database (the vars override the local stack's own).
  service = await startLocalService({ port: await freePort(), quiet: true, vars: t.env, onOutput: (text) => (output += text) });
}, 120_000);
afterAll(async () => {
  await service?.stop();
  await t?.close();
});

const db = () => Object.assign(t.db, { release: async () => {} }) as OpenDatabase;

const fiveMonths = () => createFiveMonths(t.db);

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) if (await check()) return true;
  return check();
}

/** A batch as Queues delivers it, recording what the consumer decided for each message. */
function batchOf(bodies: unknown[]) {
  const decided: string[] = bodies.map(() => "none");
  const messages = bodies.map((body, i) => ({
    id: String(i), timestamp: new Date(), body, attempts: 1,
    ack: () => void (decided[i] = "ack"),
    retry: () => void (decided[i] = "retry"),
  }));
  const batch = { queue: "lago-edge-analytics-rollups", messages, ackAll: () => {}, retryAll: () => {} } as unknown as MessageBatch<RollupWork>;
  return { batch, decided };
}

const scheduledRuns = () => [...output.matchAll(/\{"level":"info","msg":"rollups refreshed".*\}/g)].map((m) => JSON.parse(m[0]) as { enqueued: number; queued: number; recomputed: Record<string, number> });

describe("the rollup queue in wrangler dev", () => {
  it("a first build larger than a day's trickle: the cron sends one message per organization; the consumer builds the rollups, exact", async () => {
    const a = await fiveMonths();
    const b = await fiveMonths();
    // 46 days of usage (Jan 1 to Feb 15): with the ten months of each organization, more buckets
    // than a cron run recomputes itself (INLINE_BUCKETS, 40).
    await a.s.usage("2025-01-01", [{ units: "1", amountCents: 10 }]);
    await a.s.usage("2025-02-15", [{ units: "2", amountCents: 20 }]);
    const cron = await fetch(`${service.url}/cdn-cgi/local/scheduled`);
    expect(cron.status).toBe(200);
    const built = await until(async () => {
      const rows = await t.query<{ n: number }>("SELECT count(*)::int AS n FROM edge_analytics.rollup_status WHERE built_at IS NULL");
      return rows[0]?.n === 0;
    }, 60_000);
    expect(built).toBe(true);
    // The cron enqueued (no inline recompute) and the consumer did the work, both logged. The
    // consumer writes its line once its batch is over, a moment after the rollups count as built.
    expect(scheduledRuns().at(-1)).toMatchObject({ enqueued: 2, queued: 5 + 5 + 5 + 5 + 46 });
    expect(await until(async () => /"msg":"rollup work done"/.test(output), 10_000)).toBe(true);
    for (const { s, expected } of [a, b]) {
      expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(expected);
      expect(await invoicedUsage(t.db, s.org, ALL_MONTHS)).toEqual(expected);
    }
  }, 90_000);

  it("a day's trickle is recomputed in the cron run itself: current when the run ends, nothing sent to the queue", async () => {
    const { s, expected } = await fiveMonths();
    expect((await fetch(`${service.url}/cdn-cgi/local/scheduled`)).status).toBe(200);
    await until(async () => (await t.query<{ n: number }>("SELECT count(*)::int AS n FROM edge_analytics.dirty_buckets"))[0]?.n === 0, 60_000);
    // A day's writes: one more fee in March (300 + 45).
    await s.fee(45, "2025-03-20 09:00:00");
    const runs = scheduledRuns().length;
    expect((await fetch(`${service.url}/cdn-cgi/local/scheduled`)).status).toBe(200);
    // No waiting for a consumer: the answer is current as soon as the cron run is over.
    const march = { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "345" };
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(expected.map((row) => (row.month === march.month ? march : row)));
    // Its log line comes through wrangler's output, possibly a moment after the response.
    expect(await until(async () => scheduledRuns().length > runs, 10_000)).toBe(true);
    const run = scheduledRuns()[runs];
    expect(run).toMatchObject({ enqueued: 0 });
    // March's invoiced usage and revenue month, of this organization.
    expect(run?.recomputed).toMatchObject({ invoiced_usage: 1, revenue: 1 });
  }, 90_000);
});

describe("the consumer", () => {
  it("two consumers of the same organization at once: each bucket recomputed once, the answer exact", async () => {
    const { s, expected } = await fiveMonths();
    const collected = await collectRollupChanges(db());
    expect(collected.queued).toBeGreaterThanOrEqual(5);
    const first = batchOf([{ organizationId: s.org }]);
    const second = batchOf([{ organizationId: s.org }]);
    const [r1, r2] = await Promise.all([consumeRollupWork(db(), first.batch, 60_000), consumeRollupWork(db(), second.batch, 60_000)]);
    expect([first.decided, second.decided]).toEqual([["ack"], ["ack"]]);
    // Five invoiced months between them, none twice (SKIP LOCKED hands each bucket to one of them).
    expect(r1.recomputed.invoiced_usage + r2.recomputed.invoiced_usage).toBe(5);
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(expected);
  });

  it("work that failed on the database is retried, not acknowledged; the retry finishes it exactly", async () => {
    const { s, expected } = await fiveMonths();
    await collectRollupChanges(db());
    // A database that refuses connections: the same driver, pointed at a closed port.
    const unreachable = Object.assign(drizzle({ client: neon("postgres://x:y@unreachable.localtest/lago") }), { release: async () => {} }) as OpenDatabase;
    const failing = batchOf([{ organizationId: s.org }]);
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: unknown) => void errors.push(String(line));
    try {
      await consumeRollupWork(unreachable, failing.batch, 60_000);
    } finally {
      console.error = original;
    }
    expect(failing.decided).toEqual(["retry"]);
    expect(errors.join("\n")).toContain('"msg":"rollup work failed"');
    expect((await t.query<{ n: number }>("SELECT count(*)::int AS n FROM edge_analytics.dirty_buckets WHERE organization_id = $1", [s.org]))[0]?.n).toBeGreaterThan(0);
    const retried = batchOf([{ organizationId: s.org }]);
    await consumeRollupWork(db(), retried.batch, 60_000);
    expect(retried.decided).toEqual(["ack"]);
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(expected);
  });

  it("a malformed message is acknowledged and dropped (retrying it cannot help)", async () => {
    const { batch, decided } = batchOf([{ organizationId: "not-a-uuid" }, null, { other: 1 }]);
    await consumeRollupWork(db(), batch, 60_000);
    expect(decided).toEqual(["ack", "ack", "ack"]);
  });
});
