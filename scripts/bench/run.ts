// npm run bench [-- --sizes 10k,100k,1M --reps 30 --slow-reps 10 --keep-running]
// Starts (installing it if absent) a PostgreSQL of its own, loads or reuses one database per size,
// applies the service's migration, builds and refreshes the rollups, measures, prints the table and
// writes it to bench/results.md. Not part of npm test.
import "../node-version.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureDataset, SIZES, TARGET_API_KEY } from "./dataset.ts";
import { measureWorker, startEdgeWorker, type WorkerResult } from "./edge-cache.ts";
import { startBenchServer } from "./postgres.ts";
import { goals, table, type SizeReport } from "./report.ts";
import { applyServiceMigration, LAGO_SQL_PATH, measureSize, openSession, refreshAll, usageFilters } from "./scenarios.ts";

const root = join(import.meta.dirname, "..", "..");
const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: SIZES.map((s) => s.label).join(",") },
    reps: { type: "string", default: "30" },
    "slow-reps": { type: "string", default: "10" },
    "keep-running": { type: "boolean", default: false },
  },
});
const reps = Number(values.reps);
const slowReps = Number(values["slow-reps"]);
if (!Number.isInteger(reps) || reps < 30) throw new Error("--reps must be an integer >= 30");
if (!Number.isInteger(slowReps) || slowReps < 1) throw new Error("--slow-reps must be a positive integer");
const sizes = values.sizes.split(",").map((label) => {
  const size = SIZES.find((s) => s.label.toLowerCase() === label.trim().toLowerCase());
  if (!size) throw new Error(`unknown size ${label}; known: ${SIZES.map((s) => s.label).join(", ")}`);
  return size;
});

const commandLine = process.env.npm_lifecycle_event === "bench"
  ? ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ")
  : ["node", "scripts/bench/run.ts", ...process.argv.slice(2)].join(" ");
// The data ends today; databases are reused within the month they were built in.
const now = new Date();
const dataNow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

const server = startBenchServer(join(root, ".data", "bench-postgres"));
console.log(`${server.version} on 127.0.0.1, data in .data/bench-postgres`);
const reports: SizeReport[] = [];
try {
  for (const size of sizes) {
    const dataset = await ensureDataset(server.url("postgres"), size, dataNow);
    console.log(`${size.label}: database ${dataset.name}${dataset.loadedNow ? ` loaded in ${dataset.seconds.toFixed(0)} s` : " reused"}`);
    const session = await openSession(server.url(dataset.name));
    try {
      await applyServiceMigration(session.pg);
      const refresh = await refreshAll(session);
      console.log(`${size.label}: rollups ${refresh.firstBuildSeconds === undefined ? "up to date" : `built in ${refresh.firstBuildSeconds.toFixed(1)} s`}; measuring`);
      const measured = await measureSize(session, reps, now, slowReps);
      const worker = await startEdgeWorker(session.neonLocal);
      const usagePath = (() => {
        const f = usageFilters(now);
        return `/api/v1/analytics/usage?time_granularity=monthly&from_date=${f.fromDate}&to_date=${f.toDate}`;
      })();
      const pending: WorkerResult = { cached: { pending: String(worker) }, uncached: { pending: String(worker) } };
      const edge = typeof worker === "string"
        ? { invoicedUsage: pending, usage: pending }
        : await (async () => {
            try {
              return {
                invoicedUsage: await measureWorker(worker, session.neonLocal, "/api/v1/analytics/invoiced_usage", TARGET_API_KEY, reps),
                usage: await measureWorker(worker, session.neonLocal, usagePath, TARGET_API_KEY, reps),
              };
            } finally {
              await worker.close();
            }
          })();
      reports.push({ label: size.label, refresh, ...measured, edge });
    } finally {
      await session.close();
    }
  }
} finally {
  if (!values["keep-running"]) server.stop();
}

const body = table(reports);
const goalLines = goals(reports);
console.log(`\n${body}\n\n${goalLines.join("\n")}`);

const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory`;
const markdown = `# Benchmark results

Written by \`${commandLine}\` on ${now.toISOString().slice(0, 16).replace("T", " ")} UTC.

- Machine: ${machine}; Node ${process.versions.node}; ${server.version}, own data directory, 127.0.0.1.
- Data (scripts/seed generator, seed "bench"): per size, one target organization with that many
  charge-type-mixed fees over 36 months (50 metrics, 3 currencies) and that many daily_usages rows,
  beside ten other organizations of the same size (see README, "Benchmarks", for what differs).
- Service: the query functions the routes call (\`readInvoicedUsage\`, \`readUsage\`), through Drizzle,
  the Neon HTTP driver and the local Neon endpoint (scripts/neon-local) in Node, rollups built.
- Baselines, run directly with \`pg\`: Lago's published invoiced-usage query (read at run time from
  ${LAGO_SQL_PATH.replace(`${join(root, "..")}/`, "../")}), and a jsonb unnest of daily_usages.usage_diff.
- Worker rows: the Worker in workerd (\`wrangler dev\`, requests over loopback HTTP) in front of the same
  local endpoint; "no-cache" requests (\`Cache-Control: no-cache\`) ask the database, the edge-cache rows are
  timed after one request filled the Cache API, and the local endpoint counted no statement during them.
- invoiced_usage: default parameters (every month since the organization's creation);
  usage: monthly, from the 1st of the month 11 months ago to today.
- Each cell: median / p95 in ms over ${reps} runs after warm-up (rows "without rollup": ${slowReps} runs).

${body}

## Goals

${goalLines.join("\n")}
`;
mkdirSync(join(root, "bench"), { recursive: true });
writeFileSync(join(root, "bench", "results.md"), markdown);
console.log("\nWritten to bench/results.md");
