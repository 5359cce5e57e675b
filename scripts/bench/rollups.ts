// npm run bench:rollups [-- --sizes build-1Mx3,build-3M,build-10M --concurrency 2 --update-docs]
// The rollup build at scale (docs/rollups.md): per size, the rollups dropped and built from nothing
// right after every row of fees, invoices and daily_usages was stamped now (as just after a load or
// a backfill), twice: by cron runs alone (no queue binding) and by the cron's collect followed by
// queue consumers running at once; then a day's writes, and a bulk touch of every invoice. Each
// size's database is loaded once (scripts/bench/dataset.ts) and reused. Not part of npm test.
import "../node-version.ts";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { collectRollupChanges, organizationsQueued, recomputeQueued, refreshRollups, type RefreshReport } from "../../src/rollups/refresh.ts";
import { BUILD_SIZES, ensureDataset, findSize, type Size } from "./dataset.ts";
import { startBenchServer } from "./postgres.ts";
import { resultsFile, writeSection } from "./results-file.ts";
import { applyServiceMigration, bulkTouch, type BulkTouch, daysWrites, openSession, type Session } from "./scenarios.ts";

const root = join(import.meta.dirname, "..", "..");
const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: BUILD_SIZES.map((s) => s.label).join(",") },
    concurrency: { type: "string", default: "2" },
    "update-docs": { type: "boolean", default: false },
  },
});
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("--concurrency must be a positive integer");
const sizes = values.sizes.split(",").map((label) => {
  const size = findSize(label);
  if (!size) throw new Error(`unknown size ${label}; known: ${BUILD_SIZES.map((s) => s.label).join(", ")}`);
  return size;
});
const now = new Date();
const dataNow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

type Run = { ms: number; recomputed: number; left: number; collecting: number };
type Build = { seconds: number; runs: Run[] };
type Result = {
  size: Size; database: string; invoices: number; dailyUsages: number; stampSeconds: number;
  inline: Build; queue: Build & { consumers: number }; dayMs: number; bulk: BulkTouch;
};

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const runOf = (ms: number, r: RefreshReport): Run => ({ ms, recomputed: sum(r.recomputed), left: sum(r.left), collecting: r.collecting.length });

async function built(s: Session): Promise<boolean> {
  const r = await s.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM edge_analytics.rollup_status WHERE built_at IS NULL");
  return r.rows[0]?.n === 0;
}

/** The cron without a queue: runs of the default budget (60 s) back to back until every rollup is built. */
async function buildInline(s: Session): Promise<Build> {
  await applyServiceMigration(s.pg, true);
  const started = performance.now();
  const runs: Run[] = [];
  while (!(await built(s)) && runs.length < 50) {
    const t = performance.now();
    const report = await refreshRollups(s.db, { budgetMs: 60_000 });
    runs.push(runOf(performance.now() - t, report));
  }
  return { seconds: (performance.now() - started) / 1000, runs };
}

/**
 * The cron with a queue: its collect, then `consumers` consumers at once, each taking the next
 * organization (a message) and recomputing its buckets, as src/rollups/queue.ts does per message;
 * then the cron's next run marks what is built. One organization is one consumer's work.
 */
async function buildQueued(s: Session, consumers: number): Promise<Build & { consumers: number }> {
  await applyServiceMigration(s.pg, true);
  const started = performance.now();
  const runs: Run[] = [];
  while (!(await built(s)) && runs.length < 50) {
    const t = performance.now();
    const report = await collectRollupChanges(s.db, { budgetMs: 60_000 });
    const messages = await organizationsQueued(s.db);
    const deadline = Date.now() + 60_000;
    await Promise.all(Array.from({ length: Math.min(consumers, messages.length) }, async () => {
      for (let next = messages.shift(); next !== undefined; next = messages.shift()) {
        await recomputeQueued(s.db, report, { deadline, organizationId: next });
      }
    }));
    runs.push(runOf(performance.now() - t, report));
  }
  return { seconds: (performance.now() - started) / 1000, runs, consumers };
}

async function measureSize(size: Size, server: ReturnType<typeof startBenchServer>): Promise<Result> {
  const dataset = await ensureDataset(server.url("postgres"), size, dataNow);
  console.log(`${size.label}: database ${dataset.name}${dataset.loadedNow ? ` loaded in ${dataset.seconds.toFixed(0)} s` : " reused"}`);
  const s = await openSession(server.url(dataset.name));
  try {
    const t = performance.now();
    for (const table of ["fees", "invoices", "daily_usages"]) await s.pg.query(`UPDATE ${table} SET updated_at = (now() AT TIME ZONE 'UTC')`);
    await s.pg.query("VACUUM (ANALYZE) fees, invoices, daily_usages");
    const stampSeconds = (performance.now() - t) / 1000;
    const counts = await s.pg.query<{ invoices: number; daily_usages: number; bytes: string }>(`SELECT (SELECT count(*)::int FROM invoices) AS invoices,
      (SELECT count(*)::int FROM daily_usages) AS daily_usages, pg_size_pretty(pg_database_size(current_database())) AS bytes`);
    console.log(`${size.label}: every row stamped now in ${stampSeconds.toFixed(0)} s; first build, cron runs only`);
    const inline = await buildInline(s);
    console.log(`${size.label}: ${inline.seconds.toFixed(1)} s; first build, ${concurrency} queue consumers`);
    const queue = await buildQueued(s, concurrency);
    console.log(`${size.label}: ${queue.seconds.toFixed(1)} s; a day's writes, then a bulk touch of every invoice`);
    await daysWrites(s);
    const d = performance.now();
    await refreshRollups(s.db);
    const dayMs = performance.now() - d;
    const bulk = await bulkTouch(s);
    const c = counts.rows[0];
    return { size, database: c?.bytes ?? "?", invoices: c?.invoices ?? 0, dailyUsages: c?.daily_usages ?? 0, stampSeconds, inline, queue, dayMs, bulk };
  } finally {
    await s.close();
  }
}

const server = startBenchServer(join(root, ".data", "bench-postgres"));
const results: Result[] = [];
try {
  for (const size of sizes) results.push(await measureSize(size, server));
} finally {
  server.stop();
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toPrecision(3));
const runs = (b: Build) => b.runs.map((r) => `${(r.ms / 1000).toFixed(1)} s (${r.recomputed} done, ${r.left} left${r.collecting ? `, ${r.collecting} collecting` : ""})`).join("; ");
const lines: [string, (r: Result) => string][] = [
  ["data: organizations × fees each, invoices, daily usages, database size", (r) => `${r.size.organizations} × ${r.size.fees.toLocaleString("en")}, ${r.invoices.toLocaleString("en")}, ${r.dailyUsages.toLocaleString("en")}, ${r.database}`],
  ["every fee, invoice and daily usage stamped now before the build (s)", (r) => r.stampSeconds.toFixed(0)],
  ["first build, cron runs only (s)", (r) => `**${r.inline.seconds.toFixed(1)}**`],
  ["its runs (s, buckets recomputed, left after)", (r) => runs(r.inline)],
  [`first build, cron collect + queue consumers at once (s)`, (r) => `**${r.queue.seconds.toFixed(1)}** (${r.queue.consumers} consumers)`],
  ["its runs", (r) => runs(r.queue)],
  ["refresh after a day's writes: 100 fees + the last day's daily usages (ms)", (r) => fmt(r.dayMs)],
  ["bulk touch of every invoice: cron runs until one finds nothing to do (ms, buckets recomputed, rows read)", (r) =>
    r.bulk.runs.map((x) => `${fmt(x.ms)} (${x.recomputed}, ${x.rowsRead})${x.done ? " done" : ""}`).join(", ")],
  ["a day's writes right after the bulk touch: refresh (ms)", (r) => fmt(r.bulk.dayAfterMs)],
];
const table = [["", ...results.map((r) => r.size.label)], ["---", ...results.map(() => "---")], ...lines.map(([name, cell]) => [name, ...results.map(cell)])]
  .map((row) => `| ${row.join(" | ")} |`).join("\n");

const goals: string[] = [];
const target = results.find((r) => r.size.label === "build-1Mx3");
if (target) {
  const absorbedIn = target.bulk.runs.findIndex((r) => r.done) + 1;
  const best = Math.min(target.inline.seconds, target.queue.seconds);
  goals.push(
    `- ${best <= 60 ? "met" : "NOT met"}: first build at 1M fees beside two more organizations of 1M, rows stamped just before: at most 60 s (measured ${target.inline.seconds.toFixed(1)} s by cron runs, ${target.queue.seconds.toFixed(1)} s with queue consumers)`,
    `- ${[...target.inline.runs, ...target.queue.runs].every((r) => r.recomputed > 0 || r.collecting > 0) ? "met" : "NOT met"}: every run of the first build makes progress (recomputes buckets or collects)`,
    `- ${target.dayMs <= 1000 ? "met" : "NOT met"}: refresh after a day's writes at 1M: at most 1 s (measured ${fmt(target.dayMs)} ms)`,
    `- ${absorbedIn > 0 && absorbedIn <= 3 ? "met" : "NOT met"}: bulk touch of every invoice at 1M (${target.bulk.invoices.toLocaleString("en")} invoices) absorbed within 3 runs (measured: ${absorbedIn > 0 ? `${absorbedIn} runs` : `not within ${target.bulk.runs.length}`})`,
    `- ${target.bulk.runs.every((r) => r.recomputed > 0 || r.rowsRead > 0) ? "met" : "NOT met"}: no run recomputes 0 buckets while work is queued after the bulk touch`,
    `- ${target.bulk.dayAfterMs <= 1000 ? "met" : "NOT met"}: a day's writes right after the bulk touch reach the answers within 1 s of their refresh (measured ${fmt(target.bulk.dayAfterMs)} ms)`,
  );
  const big = results.find((r) => r.size.label === "build-10M") ?? results.find((r) => r.size.label === "build-3M");
  if (big) {
    const factor = big.size.fees / target.size.fees;
    const ratio = big.inline.seconds / target.inline.seconds;
    goals.push(`- ${ratio <= factor ? "met" : "NOT met"}: first build at ${big.size.label.replace("build-", "")} fees in one organization at most ${factor}x the 1M figure (measured ${big.inline.seconds.toFixed(1)} s by cron runs, ${ratio.toFixed(1)}x)`);
  }
}

const cpu = cpus();
const argv = process.argv.slice(2).join(" ");
const section = `## Rollup build at scale

Written by \`npm run bench:rollups${argv ? ` -- ${argv}` : ""}\` on ${now.toISOString().slice(0, 16).replace("T", " ")} UTC; ${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown CPU"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${server.version}.
The service's refresh functions through Drizzle, the Neon HTTP driver and the local Neon endpoint, as the
cron and the queue consumer call them; the rollups dropped before each build.

${table}

${goals.join("\n")}`;
const output = resultsFile(values["update-docs"]);
writeSection(output.path, "rollups", "npm run bench:rollups", section);
console.log(`\n${section}\n\nWritten to ${output.shown}`);
