// npm run bench:rollups [-- --sizes build-1Mx3,build-3M,build-10M --consumers 2 --stamp-sizes build-1Mx3 --update-docs]
// The rollup build at scale (docs/rollups.md): per size, the rollups dropped and built from nothing,
// a day's writes and a bulk touch of every invoice; then, for the sizes of --stamp-sizes, every row
// of fees, invoices and daily_usages stamped now (as just after a load or a backfill) and the build
// done again twice: by cron runs alone (no queue binding) and by the cron's collect followed by
// queue consumers running at once. Each size's database is loaded once (scripts/bench/dataset.ts)
// and reused. Not part of npm test.
import "../node-version.ts";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { organizationsQueued } from "../../src/rollups/bookkeeping.ts";
import { collectRollupChanges, emptyReport, recomputeQueued, refreshRollups, type RefreshReport } from "../../src/rollups/refresh.ts";
import { BUILD_SIZES, ensureDataset, findSize, type Size } from "./dataset.ts";
import { startBenchServer } from "./postgres.ts";
import { resultsFile, writeSection } from "./results-file.ts";
import { invoicedUsage } from "../../src/queries/invoiced-usage.ts";
import { readInvoicedUsage } from "../../src/queries/invoiced-usage-rollup.ts";
import { usage } from "../../src/queries/usage.ts";
import { readUsage } from "../../src/queries/usage-rollup.ts";
import { checkRevenue } from "./revenue.ts";
import { addSpent, type Build, newSpent, type Run, runOf } from "./rollup-runs.ts";
import {
  applyServiceMigration, bulkTouch, CRON_RUN, type BulkTouch, daysRefresh, daysWritesEverywhere, invoicedUsageFilters, openSession, type Session, usageFilters,
} from "./scenarios.ts";

const root = join(import.meta.dirname, "..", "..");
const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: BUILD_SIZES.map((s) => s.label).join(",") },
    consumers: { type: "string", default: "2" },
    // Stamping every row takes minutes per million fees (all of fees' indexes are rewritten): by
    // default only the size the goal names is stamped; the others keep their stamps as loaded.
    "stamp-sizes": { type: "string", default: "build-1Mx3" },
    "update-docs": { type: "boolean", default: false },
  },
});
const consumers = Number(values.consumers);
if (!Number.isInteger(consumers) || consumers < 1) throw new Error("--consumers must be a positive integer");
const sizes = values.sizes.split(",").map((label) => {
  const size = findSize(label);
  if (!size) throw new Error(`unknown size ${label}; known: ${BUILD_SIZES.map((s) => s.label).join(", ")}`);
  return size;
});
const stamped = new Set(values["stamp-sizes"].split(",").map((l) => l.trim().toLowerCase()));
const now = new Date();
const dataNow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

type Result = {
  size: Size; database: string; invoices: number; dailyUsages: number;
  /** The first build on rows stamped long ago; a day's writes after it; a bulk touch after that. */
  settled: Build; dayMs: number; bulk: BulkTouch;
  /** Cron runs that find nothing changed: wall time (ms) and statements of each. */
  idle: { ms: number[]; statements: number[] };
  /** A day's writes in every organization, then a cron run with the queue bound: until its answers are current. */
  dayEverywhere: DayEverywhere;
  /** With every row stamped now first (the sizes of --stamp-sizes): both builds, and a day's writes after them. */
  fresh?: { stampSeconds: number; inline: Build; queue: Build & { consumers: number }; dayMs: number };
  /** Rollup answers = direct queries after the bulk touch's refreshes (and after the fresh builds' day of writes). */
  exact: boolean[];
};

type DayEverywhere = { dailyUsages: number; ms: number; statements: number; enqueued: number; current: boolean; report: RefreshReport };

// wrangler.toml's max_batch_timeout in the us and eu environments: how long Queues may hold a batch.
const QUEUE_BATCH_TIMEOUT_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Cron runs as deployed that find nothing changed since the run before: wall time and statements of each. */
async function idleRuns(s: Session, n = 5): Promise<Result["idle"]> {
  // A pass re-reads the second before the last one's oldest transaction in flight (CLOCK_MARGIN):
  // the run before the measured ones starts more than a second after the last write, as a cron
  // run five minutes after the last one does.
  await sleep(1_100);
  await refreshRollups(s.db, CRON_RUN);
  const idle: Result["idle"] = { ms: [], statements: [] };
  for (let i = 0; i < n; i++) {
    const timing = { ms: 0, queries: 0 };
    const t = performance.now();
    await refreshRollups(s.counted(timing), CRON_RUN);
    idle.ms.push(performance.now() - t);
    idle.statements.push(timing.queries);
  }
  return idle;
}

/**
 * A day's writes in every organization, then one cron run with the queue bound (src/scheduled.ts):
 * from the run's start until the rollups hold the writes. When the run fans its work out, the
 * consumers start after the queue's batch timeout, CRON_RUN.concurrency organizations at a time, as
 * Queues would deliver them; a trickle is recomputed in the run itself.
 */
async function dayEverywhere(s: Session): Promise<DayEverywhere> {
  const dailyUsages = await daysWritesEverywhere(s);
  const written = await s.pg.query<{ at: string }>("SELECT (now() AT TIME ZONE 'UTC')::timestamp(6)::text AS at");
  const timing = { ms: 0, queries: 0 };
  const db = s.counted(timing);
  const t = performance.now();
  const report = await refreshRollups(db, CRON_RUN, async () => {
    const messages = await organizationsQueued(db);
    await sleep(QUEUE_BATCH_TIMEOUT_MS);
    await consume(db, messages, CRON_RUN.concurrency, emptyReport());
    return messages.length;
  });
  const ms = performance.now() - t;
  const stale = await s.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM edge_analytics.rollup_status WHERE fresh_as_of IS NULL OR fresh_as_of < $1::timestamp", [written.rows[0]!.at]);
  return { dailyUsages, ms, statements: timing.queries, enqueued: report.enqueued, current: stale.rows[0]?.n === 0, report };
}

/**
 * The queue's consumers: `consumers` at once, each taking the next organization (a message) and
 * recomputing its buckets with CRON_RUN's concurrency, as src/rollups/queue.ts does per message.
 */
async function consume(db: Session["db"], organizations: string[], consumers: number, report: RefreshReport): Promise<void> {
  const deadline = Date.now() + CRON_RUN.budgetMs;
  const queue = [...organizations];
  await Promise.all(Array.from({ length: Math.min(consumers, queue.length) }, async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      await recomputeQueued(db, report, { deadline, organizationId: next, concurrency: CRON_RUN.concurrency });
    }
  }));
}

async function built(s: Session): Promise<boolean> {
  const r = await s.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM edge_analytics.rollup_status WHERE built_at IS NULL");
  return r.rows[0]?.n === 0;
}

/** The rollups dropped, then `run` again and again until every rollup is built: its time and runs. */
async function buildFromNothing(s: Session, run: () => Promise<RefreshReport>): Promise<Build> {
  await applyServiceMigration(s.pg, true);
  const started = performance.now();
  const runs: Run[] = [];
  const spent = newSpent();
  while (!(await built(s)) && runs.length < 50) {
    const t = performance.now();
    const report = await run();
    runs.push(runOf(performance.now() - t, report));
    addSpent(spent, report);
  }
  return { seconds: (performance.now() - started) / 1000, runs, spent };
}

/** The cron without a queue: runs as deployed (CRON_RUN) back to back. */
const buildInline = (s: Session) => buildFromNothing(s, () => refreshRollups(s.db, CRON_RUN));

/**
 * The cron with a queue: its collect, then `consumers` consumers at once, each taking the next
 * organization (a message) and recomputing its buckets with CRON_RUN's concurrency, as
 * src/rollups/queue.ts does per message; then the cron's next run marks what is built. One
 * organization is one consumer's work.
 */
async function buildQueued(s: Session, consumers: number): Promise<Build & { consumers: number }> {
  const build = await buildFromNothing(s, async () => {
    const report = await collectRollupChanges(s.db, CRON_RUN);
    await consume(s.db, await organizationsQueued(s.db), consumers, report);
    return report;
  });
  return { ...build, consumers };
}

/**
 * In this order, so that each figure is taken in the state its goal names: a first build on rows
 * stamped long ago, a day's writes and a bulk touch of every invoice on it; then every row stamped
 * now and the two first builds on them, and a day's writes while the overlap still holds every row.
 */
async function measureSize(size: Size, server: ReturnType<typeof startBenchServer>): Promise<Result> {
  const dataset = await ensureDataset(server.url("postgres"), size, dataNow);
  console.log(`${size.label}: database ${dataset.name}${dataset.loadedNow ? ` loaded in ${dataset.seconds.toFixed(0)} s` : " reused"}`);
  const s = await openSession(server.url(dataset.name));
  try {
    const counts = await s.pg.query<{ invoices: number; daily_usages: number; bytes: string }>(`SELECT (SELECT count(*)::int FROM invoices) AS invoices,
      (SELECT count(*)::int FROM daily_usages) AS daily_usages, pg_size_pretty(pg_database_size(current_database())) AS bytes`);
    console.log(`${size.label}: first build, cron runs only, stamps as they are`);
    const settled = await buildInline(s);
    console.log(`${size.label}: ${settled.seconds.toFixed(1)} s; a day's writes, then a bulk touch of every invoice`);
    const dayMs = (await daysRefresh(s)).ms;
    console.log(`${size.label}: idle cron runs; a day's writes in every organization, the queue bound`);
    const idle = await idleRuns(s);
    const everywhere = await dayEverywhere(s);
    const bulk = await bulkTouch(s);
    const settledExact = await exact(s);
    const measured = { size, ...countsOf(counts.rows[0]), settled, dayMs, idle, dayEverywhere: everywhere, bulk };
    if (!stamped.has(size.label.toLowerCase())) return { ...measured, exact: [settledExact] };
    const t = performance.now();
    for (const table of ["fees", "invoices", "daily_usages"]) await s.pg.query(`UPDATE ${table} SET updated_at = (now() AT TIME ZONE 'UTC')`);
    await s.pg.query("VACUUM (ANALYZE) fees, invoices, daily_usages");
    const stampSeconds = (performance.now() - t) / 1000;
    console.log(`${size.label}: every row stamped now in ${stampSeconds.toFixed(0)} s; first build, cron runs only`);
    const inline = await buildInline(s);
    console.log(`${size.label}: ${inline.seconds.toFixed(1)} s; first build, ${consumers} queue consumers`);
    const queue = await buildQueued(s, consumers);
    console.log(`${size.label}: ${queue.seconds.toFixed(1)} s; a day's writes`);
    const fresh = { stampSeconds, inline, queue, dayMs: (await daysRefresh(s)).ms };
    return { ...measured, fresh, exact: [settledExact, await exact(s)] };
  } finally {
    await s.close();
  }
}

const countsOf = (c: { invoices: number; daily_usages: number; bytes: string } | undefined) =>
  ({ database: c?.bytes ?? "?", invoices: c?.invoices ?? 0, dailyUsages: c?.daily_usages ?? 0 });

/**
 * The target's answers from the rollups against the direct queries on Lago's tables: invoiced_usage
 * (every month), usage (monthly, the last 12 months) and the four revenue endpoints.
 */
async function exact(s: Session): Promise<boolean> {
  const iu = invoicedUsageFilters(now);
  const u = usageFilters(now);
  const served = await readInvoicedUsage(s.db, s.organizationId, iu, true);
  const usageServed = await readUsage(s.db, s.organizationId, u, true);
  return isDeepStrictEqual(served.rows, await invoicedUsage(s.db, s.organizationId, iu))
    && isDeepStrictEqual(usageServed.rows, await usage(s.db, s.organizationId, u))
    && (await checkRevenue(s.db, s.organizationId, now)).identical;
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
const spentText = (spent: Build["spent"]) => [`collect ${(spent.collectMs / 1000).toFixed(1)}`,
  ...Object.entries(spent.kinds).map(([kind, k]) => `${kind} ${(k.ms / 1000).toFixed(1)} / ${k.buckets}`)].join(", ");
const ifFresh = <T>(cell: (f: NonNullable<Result["fresh"]>) => T) => (r: Result) => (r.fresh ? String(cell(r.fresh)) : "not measured (--stamp-sizes)");
const lines: [string, (r: Result) => string][] = [
  ["data: organizations × fees each, invoices, daily usages, database size", (r) => `${r.size.organizations} × ${r.size.fees.toLocaleString("en")}, ${r.invoices.toLocaleString("en")}, ${r.dailyUsages.toLocaleString("en")}, ${r.database}`],
  ["first build, cron runs only, rows stamped long ago (s)", (r) => `**${r.settled.seconds.toFixed(1)}**`],
  ["its runs (s, buckets recomputed, left after)", (r) => runs(r.settled)],
  ["where its time went: collect; per kind, s over buckets", (r) => spentText(r.settled.spent)],
  ["refresh after a day's writes: 100 fees + the last day's daily usages (ms)", (r) => fmt(r.dayMs)],
  ["idle cron runs, nothing changed: wall (ms) / statements, each run", (r) => r.idle.ms.map((ms, i) => `${fmt(ms)} / ${r.idle.statements[i]}`).join(", ")],
  ["a day's writes in every organization (100 fees + the last day's daily usages each), queue bound: answers current after (ms)", (r) =>
    `**${fmt(r.dayEverywhere.ms)}** (${r.dayEverywhere.current ? "current" : "**NOT current**"}; ${r.dayEverywhere.enqueued ? `${r.dayEverywhere.enqueued} messages to the queue` : "recomputed in the run, nothing queued"}; ${r.dayEverywhere.statements} statements)`],
  ["where that run's time went (ms): collect; per kind, ms over buckets", (r) => [`collect ${fmt(r.dayEverywhere.report.collectMs)}`,
    ...Object.entries(r.dayEverywhere.report.recomputeMs).filter(([, ms]) => ms > 0).map(([kind, ms]) => `${kind} ${fmt(ms)} / ${r.dayEverywhere.report.recomputed[kind as keyof RefreshReport["recomputed"]]}`)].join(", ")],
  ["bulk touch of every invoice: cron runs until one finds nothing to do (ms, buckets recomputed, rows read)", (r) =>
    r.bulk.runs.map((x) => `${fmt(x.ms)} (${x.recomputed}, ${x.rowsRead})${x.done ? " done" : ""}`).join(", ")],
  ["a day's writes right after the bulk touch: refresh (ms)", (r) => fmt(r.bulk.dayAfterMs)],
  ["then every fee, invoice and daily usage stamped now (s)", ifFresh((f) => f.stampSeconds.toFixed(0))],
  ["first build, cron runs only, right after (s)", ifFresh((f) => `**${f.inline.seconds.toFixed(1)}**`)],
  ["its runs", ifFresh((f) => runs(f.inline))],
  ["first build, cron collect + queue consumers at once, right after (s)", ifFresh((f) => `**${f.queue.seconds.toFixed(1)}** (${f.queue.consumers} consumers)`)],
  ["its runs", ifFresh((f) => runs(f.queue))],
  ["a day's writes while every row is within the 15-minute overlap: refresh (ms)", ifFresh((f) => fmt(f.dayMs))],
  ["rollup answers = direct queries (invoiced_usage / usage / revenue endpoints), after the bulk touch / at the end", (r) => r.exact.map((e) => (e ? "yes" : "**NO**")).join(" / ")],
];
const table = [["", ...results.map((r) => r.size.label)], ["---", ...results.map(() => "---")], ...lines.map(([name, cell]) => [name, ...results.map(cell)])]
  .map((row) => `| ${row.join(" | ")} |`).join("\n");

const goals: string[] = [];
const target = results.find((r) => r.size.label === "build-1Mx3");
if (target) {
  const absorbedIn = target.bulk.runs.findIndex((r) => r.done) + 1;
  const builds = [target.settled, ...(target.fresh ? [target.fresh.inline, target.fresh.queue] : [])];
  const worst = Math.max(...builds.map((b) => b.seconds));
  goals.push(
    `- ${worst <= 60 ? "met" : "NOT met"}: first build at 1M fees beside two more organizations of 1M: at most 60 s, also right after every row was written (measured ${target.settled.seconds.toFixed(1)} s on old stamps; ${target.fresh ? `${target.fresh.inline.seconds.toFixed(1)} s by cron runs and ${target.fresh.queue.seconds.toFixed(1)} s with queue consumers on fresh ones` : "fresh stamps not measured"})`,
    `- ${builds.every((b) => b.runs.every((r) => r.recomputed > 0 || r.collecting > 0)) ? "met" : "NOT met"}: every run of the first builds makes progress (recomputes buckets or collects)`,
    `- ${target.dayMs <= 1000 ? "met" : "NOT met"}: refresh after a day's writes at 1M: at most 1 s (measured ${fmt(target.dayMs)} ms)`,
    `- ${absorbedIn > 0 && absorbedIn <= 3 ? "met" : "NOT met"}: bulk touch of every invoice at 1M (${target.bulk.invoices.toLocaleString("en")} invoices) absorbed within 3 runs (measured: ${absorbedIn > 0 ? `${absorbedIn} runs` : `not within ${target.bulk.runs.length}`})`,
    `- ${target.bulk.runs.every((r) => r.recomputed > 0 || r.rowsRead > 0) ? "met" : "NOT met"}: no run recomputes 0 buckets while work is queued after the bulk touch`,
    `- ${target.bulk.dayAfterMs <= 1000 ? "met" : "NOT met"}: a day's writes right after the bulk touch reach the answers within 1 s of their refresh (measured ${fmt(target.bulk.dayAfterMs)} ms)`,
  );
  const idleMax = Math.max(...target.idle.ms);
  const idleStatements = Math.max(...target.idle.statements);
  goals.push(
    `- ${idleMax <= 50 && idleStatements <= 12 ? "met" : "NOT met"}: an idle cron run at most 50 ms and 12 statements (measured at most ${fmt(idleMax)} ms and ${idleStatements} statements over ${target.idle.ms.length} runs)`,
    `- ${target.dayEverywhere.ms <= 1000 && target.dayEverywhere.current ? "met" : "NOT met"}: a day's writes in every organization current at most 1 s after the cron run starts, queue bound (measured ${fmt(target.dayEverywhere.ms)} ms)`,
  );
  goals.push(`- ${results.every((r) => r.exact.every(Boolean)) ? "met" : "NOT met"}: the rollups answer exactly what the direct queries do, at every size and point checked`);
  const big = results.find((r) => r.size.label === "build-10M") ?? results.find((r) => r.size.label === "build-3M");
  if (big) {
    const factor = big.size.fees / target.size.fees;
    const ratio = big.settled.seconds / target.settled.seconds;
    goals.push(`- ${ratio <= factor ? "met" : "NOT met"}: first build at ${big.size.label.replace("build-", "")} fees in one organization at most ${factor}x the 1M figure (measured ${big.settled.seconds.toFixed(1)} s, ${ratio.toFixed(1)}x, both on old stamps)`);
  }
}

const cpu = cpus();
const argv = process.argv.slice(2).join(" ");
const section = `## Rollup build at scale

Written by \`npm run bench:rollups${argv ? ` -- ${argv}` : ""}\` on ${now.toISOString().slice(0, 16).replace("T", " ")} UTC; ${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown CPU"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${server.version}
with Debian's default settings (JIT on, shared_buffers 128MB; scripts/bench/postgres.ts changes only where it listens).
The service's refresh functions through Drizzle, the Neon HTTP driver and the local Neon endpoint, as the
cron and the queue consumer call them; the rollups dropped before each build.

${table}

${goals.join("\n")}`;
const output = resultsFile(values["update-docs"]);
writeSection(output.path, "rollups", "npm run bench:rollups", section);
console.log(`\n${section}\n\nWritten to ${output.shown}`);
