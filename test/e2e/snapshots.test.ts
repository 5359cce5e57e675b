// The usage snapshots end to end, as `LAGO_API_URL=... npm start` runs them: the Worker in wrangler
// dev on a database whose organization has no revenue_analytics (so Lago wrote no daily usage),
// Lago's API played by the stand-in; after one cron run (which sends the due subscription to the
// snapshot queue, whose consumer wrangler dev runs in the same process) the usage endpoint answers
// what Lago's API said. Once per database path, on Debian's PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withPassword } from "../../scripts/db/migrated-database.ts";
import { customerUsage, type LagoStandIn, startLagoStandIn } from "../../scripts/lago-api/stand-in.ts";
import { freePort, type LocalService, startLocalService } from "../../scripts/local-service.ts";
import { migratedDatabase } from "../helpers/postgres.ts";

const KEY = crypto.randomUUID();
const PATHS = ["neon-http", "hyperdrive"] as const;
let standIn: LagoStandIn;

// 2.5 units and 250 cents of api_calls in March's period so far.
const USAGE = customerUsage({ id: "bm_e2e", code: "api_calls" }, [{ id: "ch_e2e", units: "2.5", amount: 250, events: 5 }], { currency: "USD" });

beforeAll(async () => {
  standIn = await startLagoStandIn();
}, 60_000);
afterAll(async () => standIn?.close());

describe.each(PATHS)("usage snapshots end to end (%s)", (path) => {
  let service: LocalService;
  let output = "";
  const subscription = `sub_e2e_${path}`;
  beforeAll(async () => {
    const { url } = await migratedDatabase(`snapshots_${path.replace("-", "_")}`, (query) =>
      query(`WITH o AS (INSERT INTO organizations (name, created_at) VALUES ('Free Lago', '2025-01-01') RETURNING id),
        k AS (INSERT INTO api_keys (organization_id, value) SELECT id, $1 FROM o),
        b AS (INSERT INTO billing_entities (organization_id, name, code) SELECT id, 'main', 'main' FROM o RETURNING id, organization_id),
        c AS (INSERT INTO customers (organization_id, billing_entity_id, external_id) SELECT organization_id, id, 'cus_e2e' FROM b RETURNING id, organization_id),
        p AS (INSERT INTO plans (organization_id, name, code) SELECT id, 'starter', 'starter' FROM o RETURNING id),
        m AS (INSERT INTO billable_metrics (organization_id, name, code) SELECT id, 'API calls', 'api_calls' FROM o)
        INSERT INTO subscriptions (organization_id, customer_id, plan_id, external_id, status, started_at)
        SELECT c.organization_id, c.id, p.id, $2, 1, '2025-01-01' FROM c, p`, [KEY, subscription]));
    await fetch(`${standIn.url}/__control/usage`, {
      method: "PUT", body: JSON.stringify({ customer: "cus_e2e", subscription, key: KEY, usage: USAGE }),
    });
    service = await startLocalService({
      port: await freePort(), databaseUrl: withPassword(url), hyperdrive: path === "hyperdrive", quiet: true, vars: { LAGO_API_URL: standIn.url },
      onOutput: (text) => (output += text),
    });
  }, 120_000);
  afterAll(async () => service?.stop());

  const usage = async () => {
    const response = await fetch(`${service.url}/api/v1/analytics/usage?from_date=2025-03-01&to_date=2025-03-31&time_granularity=monthly`,
      { headers: { Authorization: `Bearer ${KEY}`, "Cache-Control": "no-cache" } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { usages: Record<string, unknown>[] }).usages.map((u) => [u.billable_metric_code, u.units, u.amount_cents]);
  };

  it("shows nothing before the first cron run, and Lago's usage after it", async () => {
    expect(await usage()).toEqual([]);
    // The cron at 01:00 UTC on March 11th: the subscription's local yesterday is the 10th.
    const cron = await fetch(`${service.url}/cdn-cgi/local/scheduled?time=${Date.parse("2025-03-11T01:00:00Z")}`);
    expect(cron.status).toBe(200);
    await expect.poll(() => output, { timeout: 20_000 }).toMatch(/"snapshots":\{"periodEnds":0,"queued":1\}/);
    // The consumer stores it; the next cron run brings it into the usage rollup the answer comes from.
    await expect.poll(() => output, { timeout: 30_000 }).toMatch(/"usage snapshots taken".*"snapshots":\{"calls":1,"stored":1/);
    expect((await fetch(`${service.url}/cdn-cgi/local/scheduled?time=${Date.parse("2025-03-11T01:01:00Z")}`)).status).toBe(200);
    expect(await usage()).toEqual([["api_calls", "2.5", 250]]);
    const calls = (await (await fetch(`${standIn.url}/__control/calls?subscription=${subscription}`)).json()) as { calls: { authorized: boolean }[] };
    expect(calls.calls).toEqual([{ status: 200, apply_taxes: "false", authorized: true }]);
    // The second cron run queued nothing (the day is done); the key sent to Lago is in no log line.
    await expect.poll(() => output, { timeout: 10_000 }).toMatch(/"snapshots":\{"periodEnds":0,"queued":0\}/);
    expect(output).not.toContain(KEY);
  });
});
