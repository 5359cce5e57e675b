// Child process of dataset.ts: node scripts/bench/load.ts ADMIN_URL NAME SIZE NOW_ISO
// Loads one bench database as fast as PostgreSQL allows: tables without indexes, COPY, then the
// indexes, VACUUM ANALYZE, and a rename into place (so a half-loaded database is never reused).
import pg from "pg";
import { migrationStatements } from "../db/migrations.ts";
import { generateLagoData, type Row } from "../seed/generate.ts";
import { copyInto, type CopyStream } from "./copy.ts";
import { findSize, generateOptions } from "./dataset.ts";

const [adminUrl, name, label, nowIso] = process.argv.slice(2);
const size = label === undefined ? undefined : findSize(label);
if (!adminUrl || !name || !size || !nowIso) throw new Error("usage: load.ts ADMIN_URL NAME SIZE NOW_ISO");
const loading = `${name}_loading`;
const url = adminUrl.replace(/\/[^/]*$/, `/${loading}`);
const t0 = performance.now();
const log = (msg: string) => console.log(`  [${label}] ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${msg}`);

const admin = new pg.Client(adminUrl);
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${loading}" WITH (FORCE)`);
await admin.query(`CREATE DATABASE "${loading}"`);

const db = new pg.Client(url);
await db.connect();
// Lago's tables from the project's own migration; its indexes only after the data is in.
const lagoTables = migrationStatements().filter((s) => !s.includes("edge_analytics"));
const isIndex = (s: string) => /^CREATE (UNIQUE )?INDEX/i.test(s);
for (const statement of lagoTables.filter((s) => !isIndex(s))) await db.query(statement);

let targetOrganization: string | undefined;
let stream: { table: string; copy: CopyStream; rows: number } | undefined;
const finish = async () => {
  if (!stream) return;
  await stream.copy.end();
  log(`${stream.table}: ${stream.rows.toLocaleString("en")} rows`);
  stream = undefined;
};
// daily_usages.usage (the cumulative usage) is read by neither endpoint nor baseline: it is stored
// empty, which halves the largest table without changing what any measured query reads.
const shape = (table: string, row: Row): Row => (table === "daily_usages" ? { ...row, usage: {} } : row);

for (const batch of generateLagoData(generateOptions(size, new Date(nowIso)))) {
  targetOrganization ??= batch.table === "organizations" ? String(batch.rows[0]?.id) : undefined;
  let rows = batch.rows;
  if (batch.table === "daily_usages") {
    // The target's own daily usages come from the generator; the other organizations' are cloned
    // below inside PostgreSQL (generating 10M rows of 50-metric JSON would take an hour and ~60 GB).
    rows = rows.filter((r) => r.organization_id === targetOrganization);
    if (rows.length === 0) break;
  }
  if (stream?.table !== batch.table) {
    await finish();
    const columns = Object.keys(rows[0] ?? {});
    stream = { table: batch.table, copy: copyInto(url, batch.table, columns), rows: 0 };
  }
  for (const row of rows) await stream.copy.write(shape(batch.table, row));
  stream.rows += rows.length;
  if (rows.length < batch.rows.length) break;
}
await finish();

// The other organizations' daily usages: the target's rows, day for day, on their own
// subscriptions (matched by number), each keeping its first usage record only (disk: see docs/benchmarks.md).
const others = await db.query<{ id: string }>("SELECT id FROM organizations WHERE id <> $1 ORDER BY slug", [targetOrganization]);
for (const { id } of others.rows) {
  await db.query(
    `INSERT INTO daily_usages (id, organization_id, customer_id, subscription_id, external_subscription_id, from_datetime,
       to_datetime, usage, usage_diff, created_at, updated_at, refreshed_at, usage_date)
     SELECT md5(du.id::text || o.id::text)::uuid, o.id, s.customer_id, s.id, s.external_id, du.from_datetime, du.to_datetime,
       '{}'::jsonb, jsonb_set(du.usage_diff, '{charges_usage}', jsonb_path_query_array(du.usage_diff -> 'charges_usage', '$[0]')),
       du.created_at, du.updated_at, du.refreshed_at, du.usage_date
     FROM daily_usages du
     JOIN subscriptions ts ON ts.id = du.subscription_id
     JOIN organizations o ON o.id = $2
     JOIN subscriptions s ON s.organization_id = o.id AND s.external_id = 'sub_' || o.slug || '_' || substring(ts.external_id from '[0-9]+$')
     WHERE du.organization_id = $1`,
    [targetOrganization, id],
  );
}
log(`daily_usages of ${others.rows.length} other organizations cloned`);

for (const statement of lagoTables.filter(isIndex)) await db.query(statement);
log("indexes built");
await db.query("VACUUM (ANALYZE)");
log("VACUUM ANALYZE done");
await db.end();
await admin.query(`ALTER DATABASE "${loading}" RENAME TO "${name}"`);
await admin.end();
log(`loaded as ${name}`);
