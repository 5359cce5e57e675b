// A pass starts from the oldest transaction in flight at the last pass (less a clock margin), not a
// whole overlap back (src/rollups/collect.ts). Against a real PostgreSQL (Debian's), through the Neon
// HTTP driver and the local endpoint: PGlite has one session, so nothing can be in flight beside a
// pass there. A session of a role that cannot see the others' transactions falls back to the overlap.
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invoicedUsage } from "../../src/queries/invoiced-usage.ts";
import { invoicedUsageFromRollup } from "../../src/queries/invoiced-usage-rollup.ts";
import { refreshRollups } from "../../src/rollups/refresh.ts";
import { ALL_MONTHS, createBillingOrg } from "../helpers/rollup-fixtures.ts";
import { migratedDatabase } from "../helpers/postgres.ts";
import { openPostgresRollupDb, type RollupDb } from "../helpers/rollup-db.ts";

let url: string;
const opened: RollupDb[] = [];
const clients: pg.Client[] = [];
// Roles belong to the whole server: this file's own name.
const ROLE = `analytics_${crypto.randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  ({ url } = await migratedDatabase("in_flight", async (query) => {
    // A role like a read-mostly analytics user: it may write only the service's own schema.
    await query(`CREATE ROLE ${ROLE} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${ROLE}`);
    await query(`GRANT USAGE ON SCHEMA edge_analytics TO ${ROLE}; GRANT ALL ON ALL TABLES IN SCHEMA edge_analytics TO ${ROLE}; GRANT ALL ON ALL SEQUENCES IN SCHEMA edge_analytics TO ${ROLE}`);
  }));
}, 120_000);

afterAll(async () => {
  for (const c of clients) await c.end();
  for (const o of opened) await o.close();
});

async function session(role?: string): Promise<pg.Client> {
  const c = new pg.Client(role ? url.replace("postgres@", `${role}@`) : url);
  await c.connect();
  clients.push(c);
  return c;
}

const refresh = (t: RollupDb) => refreshRollups(t.db, { budgetMs: 60_000 });
const LATE_FEE = `INSERT INTO fees (organization_id, billing_entity_id, invoice_id, charge_id, amount_cents, amount_currency, fee_type,
    invoiceable_type, created_at, updated_at)
  VALUES ($1, $2, $3, $4, 250, 'USD', 0, 'Charge', '2025-03-04 08:00:00', now() AT TIME ZONE 'UTC')`;
const MARCH = [{ month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amountCents: "350" }];

describe("the oldest transaction in flight", () => {
  it("a fee stamped by a transaction in flight during a pass, long before it, is read by the next pass", async () => {
    const t = await openPostgresRollupDb(url);
    opened.push(t);
    const s = await createBillingOrg(t.db);
    await s.fee(100, "2025-03-03 08:00:00");
    await refresh(t);
    const late = await session();
    await late.query("BEGIN");
    await late.query(LATE_FEE, [s.org, s.billingEntityId, s.invoiceId, s.chargeId]);
    // Its stamp (the transaction's start) is now older than the next pass's start less the margin.
    await sleep(2_500);
    expect((await refresh(t)).rowsRead).toBe(0);
    await late.query("COMMIT");
    // Without the in-flight start, this pass would start 1 s before the last one and miss it.
    expect((await refresh(t)).rowsRead).toBe(1);
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(MARCH);
    expect(await invoicedUsage(t.db, s.org, ALL_MONTHS)).toEqual(MARCH);
  }, 60_000);

  it("a role that cannot see every session's transaction re-reads the whole overlap instead", async () => {
    const t = await openPostgresRollupDb(url.replace("postgres@", `${ROLE}@`));
    opened.push(t);
    const owner = await openPostgresRollupDb(url);
    opened.push(owner);
    const s = await createBillingOrg(owner.db);
    await s.fee(100, "2025-03-03 08:00:00");
    await refresh(t);
    // An idle session of another role: listed, but its details hidden from the role.
    await session();
    const [visible] = await t.query<{ hidden: boolean }>(
      "SELECT bool_or(query = '<insufficient privilege>') AS hidden FROM pg_stat_activity");
    expect(visible).toEqual({ hidden: true });
    await refresh(t);
    // Stamped 5 minutes ago and committed now: within the overlap, so the next pass reads it.
    await owner.query(LATE_FEE.replace("now() AT TIME ZONE 'UTC')", "(now() AT TIME ZONE 'UTC') - interval '5 minutes')"),
      [s.org, s.billingEntityId, s.invoiceId, s.chargeId]);
    expect((await refresh(t)).rowsRead).toBe(1);
    expect((await invoicedUsageFromRollup(t.db, s.org, ALL_MONTHS))?.rows).toEqual(MARCH);
  }, 60_000);
});
