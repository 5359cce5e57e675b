// The load run's section of bench/results.md. The file is shared with the benchmark (npm run bench),
// so only the lines between its markers (scripts/bench/results-file.ts) are ever replaced; the section is appended the
// first time.
import { writeSection } from "../bench/results-file.ts";

export type Scenario = { endpoint: string; path: string; mode: "cached" | "uncached" };
/** Which database path the Worker took (docs/database-paths.md), when the run compares them. */
export type DatabasePathName = "neon-http" | "hyperdrive";
export type LoadResult = Scenario & {
  databasePath?: DatabasePathName;
  requests: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
};
export type LoadReport = {
  command: string;
  machine: string;
  connections: number;
  duration: number;
  results: LoadResult[];
  /** Set when the run compares the database paths on Debian's PostgreSQL (its version). */
  postgres?: string;
};

const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

export function loadSection(r: LoadReport, writtenAt = new Date()): string {
  const paths = r.results.some((x) => x.databasePath);
  const rows = r.results.map((x) =>
    `|${paths ? ` ${x.databasePath} |` : ""} ${x.endpoint} | ${x.mode} | ${x.requests} | ${x.perSecond.toFixed(0)} | ${ms(x.p50)} | ${ms(x.p90)} | ${ms(x.p99)} | ${ms(x.max)} | ${x.errors} | ${x.non2xx} |`,
  );
  const clean = r.results.every((x) => x.errors === 0 && x.non2xx === 0);
  return [
    "## Load",
    "",
    `Written by \`${r.command}\` on ${writtenAt.toISOString().slice(0, 16).replace("T", " ")} UTC.`,
    "",
    `- Machine: ${r.machine}; everything on 127.0.0.1, sharing the machine.`,
    ...(r.postgres
      ? [
          `- Service: the Worker in \`wrangler dev\` (workerd) on ${r.postgres} with the demo data (rollups not`,
          "  built: answered from Lago's tables), once per database path: neon-http = Neon's HTTP driver through",
          "  the local Neon endpoint; hyperdrive = node-postgres through wrangler's local Hyperdrive binding (no",
          "  pooling or query cache locally: a new connection per request). API key `demo_acme_1`; the local rate",
          "  limit (100000/min) is never reached.",
        ]
      : [
          "- Service: the same stack as `npm start`: the Worker in `wrangler dev` (workerd), the local Neon",
          "  endpoint and embedded PGlite with the demo data, as npm start leaves them (rollups not built:",
          "  answered from Lago's tables). API key `demo_acme_1`; the local rate limit (100000/min) is never reached.",
        ]),
    `- Load: autocannon in its own process, ${r.connections} concurrent connections for ${r.duration} s per row, after a`,
    "  2 s warm-up. cached: the same URL again and again (edge cache hits); uncached: `Cache-Control: no-cache`,",
    "  so every request goes to the database (and replaces the entry).",
    `- URLs: ${[...new Set(r.results.map((x) => `\`${x.path}\``))].join(", ")}.`,
    "",
    `|${paths ? " database path |" : ""} endpoint | mode | requests | req/s | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | errors + timeouts | non-2xx |`,
    `|${paths ? " --- |" : ""} --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
    ...rows,
    "",
    `Goal, zero errors and zero non-2xx answers: ${clean ? "met" : "**NOT met**"}.`,
  ].join("\n");
}

/** Replaces the load section of `file` (or appends it) and returns the section. */
export function writeLoadSection(file: string, report: LoadReport): string {
  const section = loadSection(report);
  writeSection(file, "load", "npm run load", section);
  return section;
}
