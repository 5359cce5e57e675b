import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withPassword } from "../../scripts/db/migrated-database.ts";
import { freePort, type LocalService, startLocalService } from "../../scripts/local-service.ts";
import { APPLICATION_NAME } from "../../src/db/hyperdrive.ts";
import { migratedDatabase } from "../helpers/postgres.ts";

// The database deadline holds inside PostgreSQL too: requests blocked by a lock get their 503 at the
// deadline, and none of their statements is left waiting in PostgreSQL afterwards (each ran with a
// statement_timeout of the time the request had left). A real PostgreSQL (Debian's), since PGlite
// has a single session and no locks to wait on; the Worker in wrangler dev with a 1 s deadline, once
// per database path: Neon's HTTP driver through the local endpoint, node-postgres through wrangler's
// local Hyperdrive binding.
// A key of its own, so that nothing about it can come from another test's rows or entries.
const KEY = crypto.randomUUID();
const DEADLINE_MS = 1000;
const PATHS = ["neon-http", "hyperdrive"] as const;
const services = new Map<(typeof PATHS)[number], LocalService>();
let database: { name: string; url: string };
let admin: pg.Client;

beforeAll(async () => {
  database = await migratedDatabase("deadline", (query) =>
    query(`WITH o AS (INSERT INTO organizations (name, created_at) VALUES ('Locked', '2025-01-01') RETURNING id),
      k AS (INSERT INTO api_keys (organization_id, value) SELECT id, $1 FROM o),
      b AS (INSERT INTO billing_entities (organization_id, name, code) SELECT id, 'main', 'main' FROM o RETURNING id, organization_id)
      INSERT INTO invoices (organization_id, billing_entity_id, number, status, currency, issuing_date, total_amount_cents)
      SELECT organization_id, id, 'INV-1', 1, 'USD', '2025-03-10', 1234 FROM b`, [KEY]));
  admin = new pg.Client(database.url);
  await admin.connect();
  for (const path of PATHS) {
    services.set(
      path,
      await startLocalService({
        port: await freePort(),
        databaseUrl: withPassword(database.url),
        hyperdrive: path === "hyperdrive",
        quiet: true,
        // Nothing stored: every request below must ask the database.
        vars: { DATABASE_TIMEOUT_MS: String(DEADLINE_MS), CACHE_TTL_GROSS_REVENUE: "0", CACHE_STALE_WHILE_REVALIDATE: "0", CACHE_STALE_IF_ERROR: "0" },
      }),
    );
  }
}, 180_000);

afterAll(async () => {
  for (const service of services.values()) await service.stop();
  await admin?.end();
});

const grossRevenue = (service: LocalService) =>
  fetch(`${service.url}/api/v1/analytics/gross_revenue`, { headers: { Authorization: `Bearer ${KEY}`, "Cache-Control": "no-cache" } });

/** Sessions of the test's database other than the lock holder, waiting for a lock or still running a statement. */
async function waiting(holder: number): Promise<number> {
  const result = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> $1 AND (wait_event_type = 'Lock' OR (state = 'active' AND query NOT ILIKE '%pg_stat_activity%'))`,
    [holder],
  );
  return result.rows[0]?.n ?? -1;
}

describe.each(PATHS)("the database deadline inside PostgreSQL (%s)", (path) => {
  it("leaves no session waiting after a burst blocked by a lock, and the next request is answered", async () => {
    const service = services.get(path)!;
    expect((await grossRevenue(service)).status).toBe(200); // the key's lookup is now cached
    const holder = new pg.Client(database.url);
    await holder.connect();
    const holderPid = (await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    await holder.query("BEGIN");
    await holder.query("LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE");
    try {
      const started = Date.now();
      const burst = Promise.all(Array.from({ length: 20 }, async () => (await grossRevenue(service)).status));
      // While they wait: on the Hyperdrive path the waiting sessions are the Worker's own
      // (node-postgres names itself), on the Neon path the local endpoint's.
      await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS / 2));
      const own = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = $1", [APPLICATION_NAME]);
      if (path === "hyperdrive") expect(own.rows[0]!.n).toBeGreaterThan(0);
      else expect(own.rows[0]!.n).toBe(0);
      const statuses = await burst;
      const elapsed = Date.now() - started;
      expect(statuses).toEqual(Array.from({ length: 20 }, () => 503));
      expect(elapsed).toBeLessThan(DEADLINE_MS * 5);
      // PostgreSQL cancels each statement when its statement_timeout (the time its request had
      // left) runs out; give the cancellations a moment to land.
      let left = await waiting(holderPid);
      for (let i = 0; i < 20 && left > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        left = await waiting(holderPid);
      }
      console.log(`[statement-timeout] ${path}: 20 requests blocked by a lock: 503 after ${elapsed} ms; sessions left waiting: ${left}`);
      expect(left).toBe(0);
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    const after = await grossRevenue(service);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({
      gross_revenues: [{ month: "2025-03-01T00:00:00.000Z", amount_cents: 1234, currency: "USD", invoices_count: 1, billing_entity_id: expect.any(String) }],
    });
  }, 60_000);
});
