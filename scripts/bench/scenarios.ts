// What is measured on one bench database: the service's query functions (Drizzle over the Neon
// HTTP driver, through the local Neon endpoint, in Node) against the baselines run with `pg`.
import { neonConfig } from "@neondatabase/serverless";
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import pg from "pg";
import { migrationStatements } from "../db/migrations.ts";
import { postgresBackend } from "../neon-local/backends.ts";
import { startNeonLocal, type NeonLocal } from "../neon-local/server.ts";
import { neonHttpDatabase } from "../../src/db/neon-http.ts";
import type { Database, DatabaseTiming } from "../../src/env.ts";
import { invoicedUsage, type InvoicedUsageFilters } from "../../src/queries/invoiced-usage.ts";
import { readInvoicedUsage } from "../../src/queries/invoiced-usage-rollup.ts";
import { usage, type UsageFilters } from "../../src/queries/usage.ts";
import { readUsage } from "../../src/queries/usage-rollup.ts";
import { invoicedUsageInZoneFromRollup } from "../../src/queries/invoiced-usage-zones.ts";
import { refreshRollups } from "../../src/rollups/refresh.ts";
import { monthWindow } from "../../src/time/utc-months.ts";
import { TARGET_API_KEY } from "./dataset.ts";
import { checkRevenue, directRead, REVENUE_ENDPOINTS, type RevenueKey, serviceRead } from "./revenue.ts";
import { measure, measureInterleaved, type Timing } from "./measure.ts";


// The usage baseline: every record of the window unnested from usage_diff, summed per month.
const USAGE_BASELINE = `
  SELECT date_trunc('month', du.usage_date)::date AS month, e -> 'billable_metric' ->> 'code' AS code,
         e ->> 'amount_currency' AS currency, round(sum((e ->> 'amount_cents')::numeric)) AS amount_cents,
         trim_scale(sum((e ->> 'units')::numeric)) AS units
  FROM daily_usages du CROSS JOIN LATERAL jsonb_array_elements(du.usage_diff -> 'charges_usage') AS e
  WHERE du.organization_id = $1 AND du.usage_date BETWEEN $2::date AND $3::date
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;

export type SizeResult = {
  timings: Record<string, Timing>;
  identical: { invoicedUsage: boolean; usage: boolean; revenue: boolean };
  rows: { invoicedUsage: number; usage: number; revenue: number[]; overdueIds: number };
  refresh: {
    firstBuild: { seconds: number; reused: boolean; on: string };
    incrementalMs: number;
    steadyMs: number;
    dayRows: number;
    bulkTouch: BulkTouch;
  };
};

/** Every invoice stamped at once, then cron runs (the default budget) until one finds nothing to do. */
export type BulkTouch = { invoices: number; runs: { ms: number; rowsRead: number; recomputed: number; done: boolean }[]; dayAfterMs: number };

export type Session = {
  /** The service's own database layer (src/db/neon-http.ts: every statement with JIT off, as deployed). */
  db: Database;
  /** The same, counting its statements and their time into `timing`. */
  counted(timing: DatabaseTiming): Database;
  pg: pg.Client; neonLocal: NeonLocal; organizationId: string; close(): Promise<void>;
};

// neonConfig.fetchEndpoint is global: each session's host name routes to its own local endpoint,
// so sessions of several sizes can be open at once.
const endpoints = new Map<string, string>();
neonConfig.fetchEndpoint = (host) => endpoints.get(host) ?? "http://127.0.0.1:9/unknown-host";

export async function openSession(url: string): Promise<Session> {
  const client = new pg.Client(url);
  await client.connect();
  const backend = postgresBackend(url);
  const neonLocal = await startNeonLocal({ backend });
  const host = `bench-${endpoints.size + 1}.neon-local.invalid`;
  endpoints.set(host, neonLocal.url);
  // The local endpoint serves its own database whatever the URL says.
  const path = { driver: "neon-http", url: `postgres://bench:bench@${host}/lago`, fetchEndpoint: undefined } as const;
  const db = neonHttpDatabase(path, {});
  const org = await client.query<{ organization_id: string }>("SELECT organization_id FROM api_keys WHERE value = $1", [TARGET_API_KEY]);
  const organizationId = org.rows[0]?.organization_id;
  if (!organizationId) throw new Error("the target organization's API key is missing");
  return {
    db, counted: (timing) => neonHttpDatabase(path, { timing }), pg: client, neonLocal, organizationId,
    async close() {
      await neonLocal.close();
      await backend.close();
      await client.end();
    },
  };
}

/**
 * Applies the service's migration (drizzle/0001) as an operator would on Lago, statement by statement
 * outside any transaction; a changed migration drops the bench's old rollups first.
 */
export async function applyServiceMigration(client: pg.Client, rebuild = false): Promise<void> {
  const statements = migrationStatements().filter((s) => s.includes("edge_analytics"));
  const hash = createHash("sha256").update(statements.join("\n")).digest("hex").slice(0, 12);
  const current = await client.query<{ comment: string | null }>(
    "SELECT obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname = 'edge_analytics'",
  );
  if (current.rows[0] && (rebuild || current.rows[0].comment !== `bench:${hash}`)) await client.query("DROP SCHEMA edge_analytics CASCADE");
  for (const statement of statements) await client.query(statement);
  await client.query(`COMMENT ON SCHEMA edge_analytics IS 'bench:${hash}'`);
}

export function invoicedUsageFilters(now: Date, timeZone?: string): InvoicedUsageFilters {
  const window = monthWindow(now, undefined, timeZone); // the endpoint's default: every month since creation
  return { currency: undefined, timeZone, from: window.from, toExclusive: window.toExclusive, billingEntityIds: undefined };
}

/** The zones the benchmark times invoiced_usage in, besides UTC: a half-hour offset and a DST one. */
export const BENCH_ZONES = { invoicedKolkata: "Asia/Kolkata", invoicedNewYork: "America/New_York" } as const;

/** usage, monthly, the last 12 months: from the 1st of the month 11 months ago to today. */
export function usageFilters(now: Date): UsageFilters {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1)).toISOString().slice(0, 10);
  return { timeGranularity: "monthly", fromDate: from, toDate: now.toISOString().slice(0, 10) };
}

/** Brings the rollups up to date (the first build when there is none), then times two more refreshes. */
export async function refreshAll(s: Session): Promise<SizeResult["refresh"]> {
  const built = await s.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM edge_analytics.rollup_status WHERE built_at IS NOT NULL");
  const started = performance.now();
  let report = await refreshRollups(s.db, { budgetMs: 3_600_000 });
  while (!report.complete) report = await refreshRollups(s.db, { budgetMs: 3_600_000 });
  let firstBuild: SizeResult["refresh"]["firstBuild"];
  const rollups = await s.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM edge_analytics.rollup_status");
  if (built.rows[0]?.n === rollups.rows[0]?.n) {
    // Built by an earlier run: its time was noted on the status table.
    const note = await s.pg.query<{ note: string | null }>("SELECT obj_description('edge_analytics.rollup_status'::regclass, 'pg_class') AS note");
    const [seconds, on] = (note.rows[0]?.note ?? "").replace(/^bench first build: /, "").split(" s on ");
    firstBuild = { seconds: Number(seconds), reused: true, on: on ?? "" };
  } else {
    firstBuild = { seconds: (performance.now() - started) / 1000, reused: false, on: new Date().toISOString().slice(0, 10) };
    await s.pg.query(`COMMENT ON TABLE edge_analytics.rollup_status IS 'bench first build: ${firstBuild.seconds.toFixed(1)} s on ${firstBuild.on}'`);
  }
  // What autovacuum does to a table that was just filled, done now so that timings do not depend on
  // when its next round comes.
  await s.pg.query(`VACUUM (ANALYZE) edge_analytics.invoiced_usage_json, edge_analytics.invoiced_usage_monthly, edge_analytics.usage_rollup,
    edge_analytics.revenue_monthly, edge_analytics.revenue_overdue_monthly, edge_analytics.revenue_mrr`);
  // Incremental, as a cron run sees a day of Lago: 100 of the target's fees of the current month
  // and all its daily usages of the latest day rewritten (updated_at only: data and answers stay).
  const { rows: dayRows, ms: incrementalMs } = await daysRefresh(s);
  // Steady state: nothing new since the last run; the overlap window is read again.
  const t = performance.now();
  await refreshRollups(s.db, CRON_RUN);
  const steadyMs = performance.now() - t;
  return { firstBuild, incrementalMs, steadyMs, dayRows, bulkTouch: await bulkTouch(s) };
}

/** A cron run as deployed: the defaults of ROLLUP_REFRESH_BUDGET_MS and ROLLUP_REFRESH_CONCURRENCY. */
export const CRON_RUN = { budgetMs: 60_000, concurrency: 2 } as const;

/** A day's writes (daysWrites), then one cron run: the daily usages rewritten and the run's time. */
export async function daysRefresh(s: Session): Promise<{ rows: number; ms: number }> {
  const rows = await daysWrites(s);
  const t = performance.now();
  await refreshRollups(s.db, CRON_RUN);
  return { rows, ms: performance.now() - t };
}

/**
 * A day's writes in every organization: 100 of each one's fees of the current month and all its
 * daily usages of its latest day rewritten (updated_at only). Returns the daily usages rewritten.
 */
export async function daysWritesEverywhere(s: Session): Promise<number> {
  const organizations = await s.pg.query<{ id: string }>("SELECT id FROM organizations ORDER BY id");
  let rows = 0;
  for (const { id } of organizations.rows) rows += await daysWrites(s, id);
  return rows;
}

/** 100 of an organization's fees of the current month and all its daily usages of the latest day rewritten (updated_at only). */
async function daysWrites(s: Session, organizationId = s.organizationId): Promise<number> {
  await s.pg.query(`UPDATE fees SET updated_at = (now() AT TIME ZONE 'UTC') WHERE id IN (
    SELECT id FROM fees WHERE organization_id = $1 AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC')
    ORDER BY id LIMIT 100)`, [organizationId]);
  const day = await s.pg.query(`UPDATE daily_usages SET updated_at = (now() AT TIME ZONE 'UTC')
    WHERE organization_id = $1 AND usage_date = (SELECT max(usage_date) FROM daily_usages WHERE organization_id = $1)`, [organizationId]);
  return day.rowCount ?? 0;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

// A bulk touch of Lago's invoices (all stamped now, as a migration or backfill does): cron runs with
// the default budget until one reads no row and leaves nothing queued; then a day's writes.
export async function bulkTouch(s: Session): Promise<BulkTouch> {
  const touched = await s.pg.query(`UPDATE invoices SET updated_at = (now() AT TIME ZONE 'UTC')`);
  const runs: BulkTouch["runs"] = [];
  for (let i = 0; i < 8; i++) {
    const t = performance.now();
    const report = await refreshRollups(s.db, CRON_RUN);
    // Done: every pass finished and nothing left queued; the next run would find nothing to redo.
    const done = report.complete && sum(report.left) === 0;
    runs.push({ ms: performance.now() - t, rowsRead: report.rowsRead, recomputed: sum(report.recomputed), done });
    if (done) break;
  }
  return { invoices: touched.rowCount ?? 0, runs, dayAfterMs: (await daysRefresh(s)).ms };
}

/**
 * The service's own timings for every size, interleaved: each round runs once per size, so load
 * from elsewhere on the machine falls on all sizes alike instead of on whichever ran at the time.
 */
export async function measureServiceInterleaved(sessions: Session[], reps: number, now: Date): Promise<Record<string, Timing>[]> {
  const iu = invoicedUsageFilters(now);
  const u = usageFilters(now);
  const zoned = Object.entries(BENCH_ZONES).map(([name, zone]) => [name, invoicedUsageFilters(now, zone)] as const);
  const names = ["invoicedService", "usageService", ...zoned.map(([name]) => name), ...REVENUE_ENDPOINTS.map((e) => `${e.key}Service`)];
  const runs = sessions.flatMap((s) => [
    () => readInvoicedUsage(s.db, s.organizationId, iu, true),
    () => readUsage(s.db, s.organizationId, u, true),
    ...zoned.map(([, f]) => () => readInvoicedUsage(s.db, s.organizationId, f, true)),
    ...REVENUE_ENDPOINTS.map((e) => serviceRead(s.db, s.organizationId, now, e)),
  ]);
  const timings = await measureInterleaved(reps, runs);
  return sessions.map((_, i) => Object.fromEntries(names.map((name, j) => [name, timings[names.length * i + j] as Timing])));
}

/** Baselines, the direct queries and the exactness checks for one size. */
export async function measureSize(
  s: Session,
  reps: number,
  now: Date,
  slowReps: number,
  /** Lago's own invoiced-usage SQL (one parameter: the organization id); undefined = no baseline row. */
  lagoSql: string | undefined,
  /** Lago's own SQL of the revenue endpoints, likewise. */
  lagoRevenue: Partial<Record<RevenueKey, string>> = {},
): Promise<Omit<SizeResult, "refresh">> {
  const iu = invoicedUsageFilters(now);
  const u = usageFilters(now);
  const served = { iu: (await readInvoicedUsage(s.db, s.organizationId, iu, true)).rows, u: (await readUsage(s.db, s.organizationId, u, true)).rows };
  const direct = { iu: await invoicedUsage(s.db, s.organizationId, iu), u: await usage(s.db, s.organizationId, u) };
  // In the benchmark's zones, the rollup must answer (not fall back) and agree with the direct query.
  let zonesIdentical = true;
  for (const zone of Object.values(BENCH_ZONES)) {
    const f = invoicedUsageFilters(now, zone) as InvoicedUsageFilters & { timeZone: string };
    const fromRollup = await invoicedUsageInZoneFromRollup(s.db, s.organizationId, f);
    zonesIdentical &&= fromRollup !== undefined && isDeepStrictEqual(fromRollup.rows, await invoicedUsage(s.db, s.organizationId, f));
  }
  const timings: Record<string, Timing> = {};
  // A zone's months are stored once a request has rendered them: the first request after a refresh
  // pays for rendering. Timed here with the stored months removed before each read.
  const kolkata = invoicedUsageFilters(now, BENCH_ZONES.invoicedKolkata);
  const [, cold] = await measureInterleaved(reps, [
    () => s.pg.query("DELETE FROM edge_analytics.invoiced_usage_zone_json WHERE organization_id = $1", [s.organizationId]),
    () => readInvoicedUsage(s.db, s.organizationId, kolkata, true),
  ], 1);
  if (cold) timings.invoicedKolkataCold = cold;
  if (lagoSql !== undefined) timings.invoicedBaseline = await measure(reps, () => s.pg.query(lagoSql, [s.organizationId]), 1);
  timings.invoicedDirect = await measure(slowReps, () => invoicedUsage(s.db, s.organizationId, iu), 1);
  timings.usageBaseline = await measure(reps, () => s.pg.query(USAGE_BASELINE, [s.organizationId, u.fromDate, u.toDate]), 1);
  timings.usageDirect = await measure(slowReps, () => usage(s.db, s.organizationId, u), 1);
  for (const e of REVENUE_ENDPOINTS) {
    const lago = lagoRevenue[e.key];
    if (lago !== undefined) timings[`${e.key}Baseline`] = await measure(slowReps, () => s.pg.query(lago, [s.organizationId]), 1);
    timings[`${e.key}Direct`] = await measure(slowReps, directRead(s.db, s.organizationId, now, e), 1);
  }
  const revenue = await checkRevenue(s.db, s.organizationId, now);
  // The baseline's answer, in the service's shape, must be the service's answer too.
  const baseline = await s.pg.query<{ month: string; code: string; currency: string; amount_cents: string; units: string }>(
    USAGE_BASELINE.replace("date_trunc('month', du.usage_date)::date AS month", "to_char(date_trunc('month', du.usage_date), 'YYYY-MM-DD') AS month")
      .replace("round(sum((e ->> 'amount_cents')::numeric))", "round(sum((e ->> 'amount_cents')::numeric))::text"),
    [s.organizationId, u.fromDate, u.toDate],
  );
  const baselineRows = baseline.rows.map((r) => [r.month, r.code, r.currency, r.amount_cents, String(r.units)]);
  const servedRows = served.u.map((r) => [r.start_of_period_dt, r.billable_metric_code, r.amount_currency, r.amount_cents, r.units]);
  return {
    timings,
    identical: {
      invoicedUsage: isDeepStrictEqual(served.iu, direct.iu) && zonesIdentical,
      usage: isDeepStrictEqual(served.u, direct.u) && isDeepStrictEqual(sortRows(servedRows), sortRows(baselineRows)),
      revenue: revenue.identical,
    },
    rows: { invoicedUsage: served.iu.length, usage: served.u.length, revenue: revenue.rows, overdueIds: revenue.overdueIds },
  };
}

const sortRows = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
