// npm run bench:snapshots [-- --subscriptions 10000 --latency-ms 50 --concurrency 4 --mode inline|queue --consumers 4 --max-concurrency 8]
// The usage snapshots at scale (docs/usage-snapshots.md): a database of its own on the bench's
// PostgreSQL (Debian's defaults) with one organization Lago writes no daily usage for and that many
// due subscriptions, Lago's API played by the stand-in answering each call after --latency-ms; then,
// through the service's own database layer, either one snapshot run inline (`inline`: as the cron
// makes it without a queue, --concurrency calls in flight) or the fan-out (`queue`: the cron's
// enqueue, then --consumers consumers at once, each taking batches of 10 messages and keeping
// --max-concurrency calls in flight, as wrangler.toml's max_batch_size, max_concurrency and
// SNAPSHOT_MAX_CONCURRENCY; in process, so Queues' own delivery delays are not in the figure).
// Prints Lago's calls (must equal the subscriptions), the wall time, the statements per snapshot,
// and that a second run calls nothing. Not part of npm test.
import "../node-version.ts";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import type { Database } from "../../src/env.ts";
import { consumeSnapshotWork, enqueueDueSnapshots } from "../../src/snapshots/queue.ts";
import { emptySnapshotReport, takeSnapshots } from "../../src/snapshots/run.ts";
import type { SnapshotWork } from "../../src/snapshots/work.ts";
import { createMigratedDatabase } from "../db/migrated-database.ts";
import { customerUsage, startLagoStandIn } from "../lago-api/stand-in.ts";
import { startBenchServer } from "./postgres.ts";
import { TARGET_API_KEY } from "./dataset.ts";
import { openSession } from "./scenarios.ts";

const { values } = parseArgs({
  options: {
    subscriptions: { type: "string", default: "10000" },
    "latency-ms": { type: "string", default: "50" },
    concurrency: { type: "string", default: "4" },
    mode: { type: "string", default: "inline" },
    consumers: { type: "string", default: "4" },
    "max-concurrency": { type: "string", default: "8" },
  },
});
const mode = values.mode;
if (mode !== "inline" && mode !== "queue") throw new Error("--mode is inline or queue");
const consumers = Number(values.consumers);
const maxConcurrency = Number(values["max-concurrency"]);
const count = Number(values.subscriptions);
const latencyMs = Number(values["latency-ms"]);
const concurrency = Number(values.concurrency);
const command = `npm run bench:snapshots -- --subscriptions ${count} --latency-ms ${latencyMs} ${mode === "inline"
  ? `--concurrency ${concurrency}` : `--mode queue --consumers ${consumers} --max-concurrency ${maxConcurrency}`}`;
/** wrangler.toml's max_batch_size of the snapshot consumers. */
const BATCH_SIZE = 10;

/** The cron's enqueue into an in-process queue, then `consumers` consumers taking its batches at once. */
async function fanOut(db: Database, lagoApiUrl: string, now: Date) {
  const bodies: { body: SnapshotWork; attempts: number }[] = [];
  const queue = { sendBatch: async (messages: { body: SnapshotWork }[]) => void bodies.push(...messages.map((m) => ({ body: m.body, attempts: 1 }))) };
  await enqueueDueSnapshots(db, queue as unknown as Queue<SnapshotWork>, now);
  const report = emptySnapshotReport();
  const consumer = async () => {
    for (let taken = bodies.splice(0, BATCH_SIZE); taken.length > 0; taken = bodies.splice(0, BATCH_SIZE)) {
      const messages = taken.map((m, i) => ({
        id: String(i), timestamp: new Date(), body: m.body, attempts: m.attempts,
        ack: () => {}, retry: () => void bodies.push({ body: m.body, attempts: m.attempts + 1 }),
      }));
      const batch = { queue: "bench-snapshots", messages, ackAll: () => {}, retryAll: () => {} } as unknown as MessageBatch<unknown>;
      const done = await consumeSnapshotWork(db, batch, { lagoApiUrl, maxConcurrency });
      report.calls += done.calls;
      report.stored += done.stored;
    }
  };
  await Promise.all(Array.from({ length: consumers }, consumer));
  return report;
}

const USAGE = customerUsage({ id: "bm_bench", code: "api_calls" }, [{ id: "ch_bench", units: "1.5", amount: 150, events: 3 }], { currency: "USD" });

const server = startBenchServer(join(import.meta.dirname, "..", "..", ".data", "bench-postgres"));
const database = `bench_snapshots_${crypto.randomUUID().slice(0, 8)}`;
const standIn = await startLagoStandIn({ latencyMs, anySubscription: { key: TARGET_API_KEY, usage: USAGE } });
try {
  await createMigratedDatabase(server, database, (query) => query(`
    WITH o AS (INSERT INTO organizations (name) VALUES ('Free Lago') RETURNING id),
    k AS (INSERT INTO api_keys (organization_id, value) SELECT id, $1 FROM o),
    b AS (INSERT INTO billing_entities (organization_id, name, code) SELECT id, 'main', 'main' FROM o RETURNING id, organization_id),
    p AS (INSERT INTO plans (organization_id, name, code) SELECT id, 'starter', 'starter' FROM o RETURNING id),
    c AS (INSERT INTO customers (organization_id, billing_entity_id, external_id)
      SELECT b.organization_id, b.id, 'cus_' || n FROM b, generate_series(1, $2::int) n RETURNING id, organization_id, external_id)
    INSERT INTO subscriptions (organization_id, customer_id, plan_id, external_id, status, started_at)
    SELECT c.organization_id, c.id, p.id, 'sub_' || substr(c.external_id, 5), 1, '2025-01-01' FROM c, p`, [TARGET_API_KEY, count]));
  const session = await openSession(server.url(database));
  try {
    const now = new Date("2025-03-11T01:00:00Z");
    const timing = { ms: 0, queries: 0 };
    const started = performance.now();
    const db = session.counted(timing);
    const report = mode === "inline"
      ? await takeSnapshots(db, { lagoApiUrl: standIn.url, now, budgetMs: 3_600_000, concurrency })
      : await fanOut(db, standIn.url, now);
    const wallMs = performance.now() - started;
    const calls = standIn.callCount();
    const again = await takeSnapshots(session.db, { lagoApiUrl: standIn.url, now, budgetMs: 60_000, concurrency });
    const rows = await session.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM edge_analytics.usage_snapshots");
    console.log(`
## Usage snapshots (${mode === "inline" ? "inline, no queue" : `fan-out: ${consumers} consumers, ${maxConcurrency} calls in flight each`})

Written by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; ${cpus().length} cores; ${server.version} (Debian's defaults).

| due subscriptions | Lago answering in | calls in flight (in all) | Lago's calls | rows stored | wall time | snapshots / s | statements per snapshot | second run's calls |
|---|---|---|---|---|---|---|---|---|
| ${count} | ${latencyMs} ms | ${mode === "inline" ? concurrency : consumers * maxConcurrency} | ${calls} | ${rows.rows[0]?.n} | ${(wallMs / 1000).toFixed(1)} s | ${(count / (wallMs / 1000)).toFixed(0)} | ${(timing.queries / count).toFixed(2)} | ${again.calls} |
`);
    if (calls !== count || report.stored !== count) process.exitCode = 1;
  } finally {
    await session.close();
  }
} finally {
  await standIn.close();
  const admin = new pg.Client(server.url("postgres"));
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)}`);
  await admin.end();
  server.stop();
}
