// npm run bench [-- --sizes 10k,100k,1M --reps 30 --service-reps 100 --slow-reps 10 --rebuild-rollups --keep-running
//                   --lago-sql PATH (or LAGO_INVOICED_USAGE_SQL=PATH): Lago's own invoiced-usage query, as a baseline
//                   --lago-sql-dir DIR: Lago's own queries of the revenue endpoints, DIR/<endpoint>.sql]
// Starts (installing it if absent) a PostgreSQL of its own, loads or reuses one database per size,
// applies the service's migration, builds and refreshes the rollups, measures, prints the table and
// writes it to .data/bench-results.md (or, with --update-docs, the tracked bench/results.md). Not part of npm test.
import "../node-version.ts";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BUILD_SIZES, ensureDataset, findSize, SIZES, TARGET_API_KEY } from "./dataset.ts";
import { measureWorker, startEdgeWorker, type WorkerResult } from "./edge-cache.ts";
import { startBenchServer } from "./postgres.ts";
import { goals, table, type SizeReport } from "./report.ts";
import { lagoRevenueSql } from "./revenue.ts";
import { resultsFile, writeSection, writtenSections } from "./results-file.ts";
import {
  applyServiceMigration, measureServiceInterleaved, measureSize, openSession, refreshAll, type Session, usageFilters,
} from "./scenarios.ts";

const root = join(import.meta.dirname, "..", "..");
const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: SIZES.map((s) => s.label).join(",") },
    reps: { type: "string", default: "30" },
    "service-reps": { type: "string", default: "100" },
    "slow-reps": { type: "string", default: "10" },
    "keep-running": { type: "boolean", default: false },
    "rebuild-rollups": { type: "boolean", default: false },
    "lago-sql": { type: "string" },
    "lago-sql-dir": { type: "string" },
    "update-docs": { type: "boolean", default: false },
    // Write the table as a section of this name (kept beside the main table) instead of the main table.
    section: { type: "string" },
  },
});
// Lago's invoiced-usage query is Lago's code, not ours: the bench runs it when given its path.
const lagoSqlPath = values["lago-sql"] ?? process.env.LAGO_INVOICED_USAGE_SQL;
const lagoSql = lagoSqlPath && existsSync(lagoSqlPath) ? readFileSync(lagoSqlPath, "utf8") : undefined;
if (lagoSql === undefined) {
  const why = lagoSqlPath ? `${lagoSqlPath} does not exist` : "no --lago-sql PATH or LAGO_INVOICED_USAGE_SQL given";
  console.log(`Lago's invoiced-usage query: ${why}; its baseline rows are left out, everything else runs.`);
}
// Lago's queries of gross_revenue, invoice_collection, mrr and overdue_balance, likewise Lago's code.
const lagoRevenue = lagoRevenueSql(values["lago-sql-dir"]);
if (Object.keys(lagoRevenue).length === 0) {
  console.log("Lago's revenue queries: no --lago-sql-dir DIR with <endpoint>.sql given; their baseline rows are left out.");
}
const reps = Number(values.reps);
const slowReps = Number(values["slow-reps"]);
const serviceReps = Number(values["service-reps"]);
if (!Number.isInteger(reps) || reps < 30) throw new Error("--reps must be an integer >= 30");
if (!Number.isInteger(slowReps) || slowReps < 1) throw new Error("--slow-reps must be a positive integer");
if (!Number.isInteger(serviceReps) || serviceReps < 30) throw new Error("--service-reps must be an integer >= 30");
// The rollup bench's shapes are accepted too (build-1Mx3: 1M fees beside two organizations of 1M,
// a smaller database than 1M's eleven organizations).
const sizes = values.sizes.split(",").map((label) => {
  const size = findSize(label);
  if (!size) throw new Error(`unknown size ${label}; known: ${[...SIZES, ...BUILD_SIZES].map((s) => s.label).join(", ")}`);
  return size;
});

// The paths to Lago's SQL are this machine's: the published command line names what they hold.
const PATH_OPTIONS: Record<string, string> = { "--lago-sql": "<Lago's invoiced-usage SQL>", "--lago-sql-dir": "<a directory of Lago's SQL per endpoint>" };
const args = process.argv.slice(2).map((arg, i, all) => PATH_OPTIONS[all[i - 1] ?? ""] ?? arg.replace(/^(--lago-sql(?:-dir)?=).*$/, (_, option: string) => `${option}${PATH_OPTIONS[option.slice(0, -1)]}`));
const commandLine = process.env.npm_lifecycle_event === "bench"
  ? ["npm run bench", ...(args.length > 0 ? ["--", ...args] : [])].join(" ")
  : ["node", "scripts/bench/run.ts", ...args].join(" ");
// The data ends today; databases are reused within the month they were built in.
const now = new Date();
const dataNow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

const server = startBenchServer(join(root, ".data", "bench-postgres"));
console.log(`${server.version} on 127.0.0.1, data in .data/bench-postgres`);
const reports: SizeReport[] = [];
const sessions: Session[] = [];
try {
  for (const size of sizes) {
    const dataset = await ensureDataset(server.url("postgres"), size, dataNow);
    console.log(`${size.label}: database ${dataset.name}${dataset.loadedNow ? ` loaded in ${dataset.seconds.toFixed(0)} s` : " reused"}`);
    const session = await openSession(server.url(dataset.name));
    sessions.push(session);
    await applyServiceMigration(session.pg, values["rebuild-rollups"]);
    const refresh = await refreshAll(session);
    console.log(`${size.label}: rollups ${refresh.firstBuild.reused ? "up to date" : `built in ${refresh.firstBuild.seconds.toFixed(1)} s`}; measuring`);
    const measured = await measureSize(session, reps, now, slowReps, lagoSql, lagoRevenue);
    reports.push({ label: size.label, refresh, ...measured, edge: await measureEdge(session) });
  }
  // The service's own rows last, interleaved across the sizes (see measureServiceInterleaved).
  console.log(`service timings: ${serviceReps} rounds over ${sizes.length} sizes`);
  const service = await measureServiceInterleaved(sessions, serviceReps, now);
  reports.forEach((r, i) => Object.assign(r.timings, service[i]));
} finally {
  for (const session of sessions) await session.close();
  if (!values["keep-running"]) server.stop();
}

async function measureEdge(session: Session): Promise<SizeReport["edge"]> {
  const f = usageFilters(now);
  const usagePath = `/api/v1/analytics/usage?time_granularity=monthly&from_date=${f.fromDate}&to_date=${f.toDate}`;
  const worker = await startEdgeWorker(session.neonLocal);
  if (typeof worker === "string") {
    const pending: WorkerResult = { cached: { pending: worker }, uncached: { pending: worker } };
    return { invoicedUsage: pending, usage: pending };
  }
  try {
    return {
      invoicedUsage: await measureWorker(worker, session.neonLocal, "/api/v1/analytics/invoiced_usage", TARGET_API_KEY, reps),
      usage: await measureWorker(worker, session.neonLocal, usagePath, TARGET_API_KEY, reps),
    };
  } finally {
    await worker.close();
  }
}

const body = table(reports);
const goalLines = goals(reports);
console.log(`\n${body}\n\n${goalLines.join("\n")}`);

const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory`;
const markdown = `# Benchmark results

Written by \`${commandLine}\` on ${now.toISOString().slice(0, 16).replace("T", " ")} UTC.

- Machine: ${machine}; Node ${process.versions.node}; ${server.version} with Debian's default settings (JIT on, shared_buffers 128MB), own data directory, 127.0.0.1.
- Data (scripts/seed generator, seed "bench"): per size, one target organization with that many
  charge-type-mixed fees over 36 months (50 metrics, 3 currencies), beside other organizations of the
  same size (see docs/benchmarks.md for what differs): ${sizes.map((s) => `${s.label}, ${s.organizations - 1} others and ${s.dailyUsages.toLocaleString("en")} daily_usages rows each`).join("; ")}.
- Service: the query functions the routes call (\`readInvoicedUsage\`, \`readUsage\`, and the revenue
  endpoints' \`readAnswer\`), through Drizzle, the Neon HTTP driver and the local Neon endpoint
  (scripts/neon-local) in Node, rollups built.
- Baselines, run directly with \`pg\`: ${lagoSql === undefined ? "(Lago's invoiced-usage query not given: no row)" : "Lago's published invoiced-usage query (given with --lago-sql)"},
  ${Object.keys(lagoRevenue).length === 0 ? "(Lago's revenue queries not given: no rows)" : "Lago's own gross_revenue, invoice_collection, mrr and overdue_balance queries (lago-api app/models/analytics, default parameters, given with --lago-sql-dir)"},
  and a jsonb unnest of daily_usages.usage_diff.
- Worker rows: the Worker in workerd (\`wrangler dev\`, requests over loopback HTTP) in front of the same
  local endpoint; "no-cache" requests (\`Cache-Control: no-cache\`) ask the database, the edge-cache rows are
  timed after one request filled the Cache API, and the local endpoint counted no statement during them.
- invoiced_usage and the four revenue endpoints: default parameters (every month since the organization's creation);
  usage: monthly, from the 1st of the month 11 months ago to today.
- Each cell: median / p95 in ms over ${reps} runs after warm-up (rows "without rollup": ${slowReps} runs; the
  service's uncached rows: ${serviceReps} rounds interleaved across the sizes, so that load from elsewhere on the
  machine falls on every size alike).

${body}

## Goals

${goalLines.join("\n")}
`;
// The sections npm run load and npm run bench:rollups wrote into the same file are kept.
const output = resultsFile(values["update-docs"]);
if (values.section === undefined) {
  const previous = existsSync(output.path) ? readFileSync(output.path, "utf8") : "";
  writeFileSync(output.path, `${[markdown.trimEnd(), ...writtenSections(previous)].join("\n\n")}\n`);
} else {
  if (!/^[a-z]+$/.test(values.section)) throw new Error("--section must be lowercase letters only");
  writeSection(output.path, values.section, "npm run bench -- --section", markdown.replace(/^# Benchmark results/, `## Benchmark results (${values.section})`).replace(/^## Goals$/m, "### Goals").trimEnd());
}
console.log(`\nWritten to ${output.shown}`);
