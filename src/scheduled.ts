// The cron trigger (wrangler.toml [triggers]): brings the rollups up to date with Lago's tables.
// Requests never wait for it: until a rollup is built they are answered from Lago's tables.
import { parseConfig } from "./config.ts";
import { createDatabase } from "./db/client.ts";
import type { Bindings } from "./env.ts";
import { refreshRollups } from "./rollups/refresh.ts";

export async function scheduled(_controller: ScheduledController, env: Bindings): Promise<void> {
  const parsed = parseConfig(env);
  if (!parsed.ok) {
    console.error(JSON.stringify({ level: "error", msg: "invalid configuration", problems: parsed.problems }));
    return;
  }
  const started = Date.now();
  const db = createDatabase(parsed.config);
  try {
    const report = await refreshRollups(db, { budgetMs: parsed.config.rollupRefreshBudgetMs });
    const ms = Date.now() - started;
    const done = Object.values(report.recomputed).reduce((a, b) => a + b, 0);
    // Buckets per second: with `left`, how long a first build or a catch-up still has to go.
    const rate = Math.round((done / Math.max(ms, 1)) * 10_000) / 10;
    console.log(JSON.stringify({ level: "info", msg: "rollups refreshed", ms, ...report, buckets_per_second: rate }));
  } catch (err) {
    // Name and SQLSTATE only: a database message may quote data.
    const code = (err as { cause?: { code?: unknown } }).cause?.code;
    console.error(JSON.stringify({ level: "error", msg: "rollup refresh failed", error: (err as Error).name, sqlstate: code }));
    throw err;
  } finally {
    await db.release();
  }
}
