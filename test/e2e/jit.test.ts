import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withPassword } from "../../scripts/db/migrated-database.ts";
import { freePort, type LocalService, startLocalService } from "../../scripts/local-service.ts";
import { migratedDatabase } from "../helpers/postgres.ts";

// No statement of the service pays for PostgreSQL's JIT: on a database with JIT on (PostgreSQL's
// default) and its cost thresholds at 0, so that every statement would be compiled unless JIT is off
// in its own transaction, the Worker in wrangler dev answers all six endpoints uncached and runs its
// cron (collect, recompute, and the queue consumer), once per database path. pg_stat_statements
// (loaded by the run's server, test/postgres-server.ts) counts the functions JIT compiled per
// statement: the service's must total 0.
const KEY = crypto.randomUUID();
const PATHS = ["neon-http", "hyperdrive"] as const;
const ENDPOINTS = ["invoiced_usage", "usage", "gross_revenue", "invoice_collection", "mrr", "overdue_balance"];

/** A database of the path's own, so that each path's cron builds the rollups from nothing; its URL. */
async function fixture(label: string): Promise<string> {
  const { name, url } = await migratedDatabase(label, async (query) => {
    await query("CREATE EXTENSION pg_stat_statements");
    await query(`WITH o AS (INSERT INTO organizations (name, created_at) VALUES ('Compiled', '2025-01-01') RETURNING id),
      k AS (INSERT INTO api_keys (organization_id, value) SELECT id, $1 FROM o),
      b AS (INSERT INTO billing_entities (organization_id, name, code) SELECT id, 'main', 'main' FROM o RETURNING id, organization_id)
      INSERT INTO invoices (organization_id, billing_entity_id, number, status, currency, issuing_date, total_amount_cents)
      SELECT organization_id, id, 'INV-1', 1, 'USD', '2025-03-10', 1234 FROM b`, [KEY]);
  });
  // Every session of this database from now on starts with JIT on and compiling everything.
  const owner = new pg.Client(url);
  await owner.connect();
  try {
    for (const setting of ["jit = on", "jit_above_cost = 0", "jit_inline_above_cost = 0", "jit_optimize_above_cost = 0"]) {
      await owner.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} SET ${setting}`);
    }
  } finally {
    await owner.end();
  }
  return url;
}

/** Statements recorded in the admin's database since the last reset, and the functions JIT compiled for them. */
async function compiled(admin: pg.Client): Promise<{ statements: number; jitFunctions: number }> {
  const result = await admin.query<{ statements: number; jit_functions: number }>(`
    SELECT coalesce(sum(s.calls), 0)::int AS statements, coalesce(sum(s.jit_functions), 0)::int AS jit_functions
    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname = current_database() AND s.query NOT ILIKE '%pg_stat_statements%' AND s.query NOT ILIKE '%observer%'`);
  const row = result.rows[0]!;
  return { statements: row.statements, jitFunctions: row.jit_functions };
}

describe.each(PATHS)("JIT (%s)", (path) => {
  let service: LocalService;
  let admin: pg.Client;
  beforeAll(async () => {
    const url = await fixture(`jit_${path.replace("-", "_")}`);
    admin = new pg.Client(url);
    await admin.connect();
    service = await startLocalService({ port: await freePort(), databaseUrl: withPassword(url), hyperdrive: path === "hyperdrive", quiet: true });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
    await admin?.end();
  });

  it("is never paid by the service's statements, while the same server compiles anyone else's", async () => {
    await admin.query("RESET jit");
    await admin.query("SELECT pg_stat_statements_reset()");
    // A statement of another session is compiled: the server would compile the service's too.
    await admin.query("SELECT count(*) FROM fees WHERE amount_cents > 0");
    const control = await compiled(admin);
    expect(control.jitFunctions).toBeGreaterThan(0);
    await admin.query("SET jit = off"); // the test's own polling below

    await admin.query("SELECT pg_stat_statements_reset()");
    for (const endpoint of ENDPOINTS) {
      const response = await fetch(`${service.url}/api/v1/analytics/${endpoint}`, { headers: { Authorization: `Bearer ${KEY}`, "Cache-Control": "no-cache" } });
      expect(response.status, endpoint).toBe(200);
      await response.arrayBuffer();
    }
    // The cron: collect, then the recompute (inline or through the local queue's consumer).
    expect((await fetch(`${service.url}/cdn-cgi/local/scheduled`)).status).toBe(200);
    for (let i = 0; i < 100; i++) {
      const built = await admin.query<{ n: number }>("SELECT /* observer */ count(*)::int AS n FROM edge_analytics.rollup_status WHERE built_at IS NULL");
      if (built.rows[0]!.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const status = await admin.query<{ n: number }>("SELECT /* observer */ count(*)::int AS n FROM edge_analytics.rollup_status WHERE built_at IS NULL");
    expect(status.rows[0]!.n).toBe(0);
    const served = await compiled(admin);
    console.log(`[jit] ${path}: ${served.statements} statements of the service, ${served.jitFunctions} functions compiled`);
    expect(served.statements).toBeGreaterThan(20);
    const offenders = await admin.query<{ query: string }>(`SELECT s.query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = current_database() AND s.jit_functions > 0 AND s.query NOT ILIKE '%pg_stat_statements%' AND s.query NOT ILIKE '%observer%'`);
    expect(offenders.rows.map((r) => r.query.slice(0, 80))).toEqual([]);
    expect(served.jitFunctions).toBe(0);
  }, 120_000);
});
