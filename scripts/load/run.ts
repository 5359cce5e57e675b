// npm run load [-- --connections 10 --duration 10 --update-docs]: a fixed number of concurrent clients for a fixed
// time against the same stack as `npm start` (wrangler dev, the local Neon endpoint, PGlite with the
// demo data) on 127.0.0.1, on both endpoints, cached and uncached. autocannon runs in a process of
// its own, so the load generator does not share an event loop with the database. Prints the figures
// and writes them between the load markers of the results file (the rest of the file is left as is):
// .data/bench-results.md, or the tracked bench/results.md with --update-docs.
// --paths neon-http,hyperdrive: the same on Debian's PostgreSQL (installed if absent) with the demo
// data, once per database path (docs/database-paths.md), to compare them on one server.
import "../node-version.ts";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { resultsFile } from "../bench/results-file.ts";
import { freePort, startLocalService } from "../local-service.ts";
import { DEMO_API_KEY } from "../seed/demo.ts";
import { type DatabasePathName, type LoadResult, type Scenario, writeLoadSection } from "./report.ts";
import { demoPostgres } from "./postgres.ts";

const root = join(import.meta.dirname, "..", "..");
const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "10" },
    duration: { type: "string", default: "10" },
    "update-docs": { type: "boolean", default: false },
    paths: { type: "string" },
  },
});
const PATH_NAMES = ["neon-http", "hyperdrive"] as const;
const paths = values.paths?.split(",") as DatabasePathName[] | undefined;
if (paths && !(paths.length > 0 && paths.every((p) => (PATH_NAMES as readonly string[]).includes(p)))) throw new Error(`--paths takes a comma-separated list of ${PATH_NAMES.join(", ")}`);
const connections = Number(values.connections);
const duration = Number(values.duration);
if (!(connections >= 1 && duration >= 1)) throw new Error("--connections and --duration must be positive numbers");

const today = new Date().toISOString().slice(0, 10);
const now = new Date();
const yearAgo = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1)).toISOString().slice(0, 10);
const ENDPOINTS = [
  { name: "invoiced_usage", path: "/api/v1/analytics/invoiced_usage?months=12" },
  { name: "usage", path: `/api/v1/analytics/usage?time_granularity=monthly&from_date=${yearAgo}&to_date=${today}` },
];
const SCENARIOS: Scenario[] = ENDPOINTS.flatMap((e) => [
  { endpoint: e.name, path: e.path, mode: "cached" as const },
  { endpoint: e.name, path: e.path, mode: "uncached" as const },
]);

type AutocannonJson = {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
};

function autocannon(url: string, headers: Record<string, string>, seconds: number): Promise<AutocannonJson> {
  const args = [join(root, "node_modules", "autocannon", "autocannon.js"), "-c", String(connections), "-d", String(seconds), "-j", "-n"];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}=${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as AutocannonJson) : reject(new Error(`autocannon exited with ${code}`))));
  });
}

const results: LoadResult[] = [];
const postgres = paths ? await demoPostgres() : undefined;
try {
  for (const databasePath of paths ?? [undefined]) {
    const port = await freePort();
    console.log(`Starting the local stack on 127.0.0.1:${port} (${databasePath ? `${databasePath} path, ${postgres!.version}` : "as npm start"})…`);
    const service = await startLocalService({ port, quiet: true, databaseUrl: postgres?.url, hyperdrive: databasePath === "hyperdrive" });
    try {
      results.push(...(await loadScenarios(service.url, databasePath)));
    } finally {
      await service.stop();
    }
  }
} finally {
  postgres?.stop();
}

async function loadScenarios(base: string, databasePath: DatabasePathName | undefined): Promise<LoadResult[]> {
  const rows: LoadResult[] = [];
  const auth = { Authorization: `Bearer ${DEMO_API_KEY}` };
  for (const s of SCENARIOS) {
    const url = `${base}${s.path}`;
    // One request first: the endpoint answers, and a cached run starts from a stored entry.
    const first = await fetch(url, { headers: auth });
    if (first.status !== 200) throw new Error(`${s.path} answered ${first.status}: ${await first.text()}`);
    const headers = s.mode === "uncached" ? { ...auth, "Cache-Control": "no-cache" } : auth;
    await autocannon(url, headers, Math.min(2, duration)); // warm-up, not recorded
    console.log(`${databasePath ? `${databasePath}, ` : ""}${s.endpoint}, ${s.mode}: ${connections} connections for ${duration} s…`);
    const r = await autocannon(url, headers, duration);
    rows.push({ ...s, ...(databasePath ? { databasePath } : {}), requests: r.requests.total, perSecond: r.requests.average, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, errors: r.errors + r.timeouts, non2xx: r.non2xx });
  }
  return rows;
}

const cpu = cpus();
const autocannonVersion = (JSON.parse(readFileSync(join(root, "node_modules", "autocannon", "package.json"), "utf8")) as { version: string }).version;
const argv = process.argv.slice(2).join(" ");
const output = resultsFile(values["update-docs"]);
const section = writeLoadSection(output.path, {
  command: `npm run load${argv ? ` -- ${argv}` : ""}`,
  machine: `${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown CPU"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory; Node ${process.versions.node}; autocannon ${autocannonVersion}`,
  connections,
  duration,
  results,
  ...(postgres ? { postgres: postgres.version } : {}),
});
console.log(`\n${section}\nWritten to ${output.shown}`);
// The goal is zero errors and zero non-2xx answers: anything else fails the command.
process.exitCode = results.every((r) => r.errors === 0 && r.non2xx === 0) ? 0 : 1;
