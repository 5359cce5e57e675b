// A PostgreSQL server of the bench's own: Debian's PostgreSQL (installed if absent), its own data
// directory under .data/, listening on 127.0.0.1 only, on a port no default install uses.
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const BENCH_PORT = 54_329;
const PG_VERSION_DIR = "/usr/lib/postgresql";

export type BenchServer = { url(database: string): string; stop(): void; version: string };

/**
 * PostgreSQL as Lago operators run it: Debian's defaults (JIT on, 128MB of shared buffers), only
 * where it listens changed. A tuned server hid a cost of 2.7 s per idle cron run once (JIT compiling
 * statements that then ran in a millisecond), so no figure is taken on settings an operator would
 * not have.
 */
const SETTINGS: Record<string, string> = {
  listen_addresses: "'127.0.0.1'",
  port: String(BENCH_PORT),
  unix_socket_directories: "''",
  log_min_messages: "warning",
};

function run(cmd: string, args: string[], opts: { asPostgres?: boolean; quiet?: boolean } = {}): string {
  const [file, argv] = opts.asPostgres ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  return execFileSync(file, argv, { encoding: "utf8", stdio: ["ignore", "pipe", opts.quiet ? "pipe" : "inherit"] });
}

function pgBin(): string {
  const versions = existsSync(PG_VERSION_DIR) ? readdirSync(PG_VERSION_DIR).filter((v) => existsSync(join(PG_VERSION_DIR, v, "bin", "initdb"))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(PG_VERSION_DIR, newest, "bin") : "";
}

/** Installs Debian's PostgreSQL when no server binaries are present (we run as root). */
export function ensureInstalled(): string {
  let bin = pgBin();
  if (bin) return bin;
  console.log("PostgreSQL is not installed: apt-get install -y postgresql ...");
  run("apt-get", ["update"]);
  run("apt-get", ["install", "-y", "postgresql"]);
  bin = pgBin();
  if (!bin) throw new Error("apt-get installed no PostgreSQL server binaries");
  return bin;
}

/** Starts (initialising on first use) the bench server whose data lives in `dataDir`. */
export function startBenchServer(dataDir: string): BenchServer {
  return startPostgres(dataDir, SETTINGS);
}

/**
 * Starts (initialising on first use) a PostgreSQL server of Debian's whose data lives in `dataDir`,
 * with these settings (`port` among them), on 127.0.0.1 only. Tests use it too, for what PGlite
 * cannot show (several sessions, locks).
 */
export function startPostgres(dataDir: string, settings: Record<string, string>): BenchServer {
  if (process.getuid?.() !== 0) throw new Error("a PostgreSQL server of our own is started as root (it installs it and runs it as the postgres user)");
  const port = settings.port;
  const bin = ensureInstalled();
  const pgCtl = join(bin, "pg_ctl");
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    mkdirSync(dataDir, { recursive: true });
    const { uid, gid } = postgresIds();
    chownSync(dataDir, uid, gid);
    // initdb refuses root: it runs as postgres, on a directory postgres owns. Trust on loopback only.
    run(join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"], { asPostgres: true, quiet: true });
  }
  const options = Object.entries({ listen_addresses: "'127.0.0.1'", unix_socket_directories: "''", ...settings }).map(([k, v]) => `-c ${k}=${v}`).join(" ");
  const status = spawnSync("runuser", ["-u", "postgres", "--", pgCtl, "status", "-D", dataDir], { encoding: "utf8" });
  if (status.status !== 0) {
    run(pgCtl, ["start", "-w", "-t", "120", "-D", dataDir, "-l", join(dataDir, "server.log"), "-o", options], { asPostgres: true, quiet: true });
  }
  const version = run(join(bin, "postgres"), ["--version"], { quiet: true }).trim();
  return {
    version,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: () => void run(pgCtl, ["stop", "-w", "-m", "fast", "-D", dataDir], { asPostgres: true, quiet: true }),
  };
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(run("id", ["-u", "postgres"], { quiet: true }).trim());
  const gid = Number(run("id", ["-g", "postgres"], { quiet: true }).trim());
  return { uid, gid };
}
