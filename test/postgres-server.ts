// One Debian PostgreSQL server for the whole run, shared by every project that needs one (the
// Hyperdrive path's Worker tests, the end-to-end tests); each test file makes databases of its own
// on it (test/helpers/postgres.ts). Started by the first global setup that asks, stopped when the
// last one lets go, or when the process exits (vitest skips teardowns when a pool fails to start).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchServer, startPostgres } from "../scripts/bench/postgres.ts";
import { freePort } from "../scripts/local-service.ts";

type Shared = { server: BenchServer; port: number; users: number; stop(): void };

// Each project's global setup may load this module anew: the server is kept on globalThis.
const KEY = Symbol.for("lago-edge-analytics.test-postgres");
const shared = globalThis as { [KEY]?: Promise<Shared> };

async function start(): Promise<Shared> {
  const dataDir = mkdtempSync(join(tmpdir(), "lago-test-pg-"));
  const port = await freePort();
  // Debian's defaults but for durability (a test's data is thrown away) and room for every test's
  // sessions; pg_stat_statements loaded for the JIT test (test/e2e/jit.test.ts), inert elsewhere.
  const server = startPostgres(dataDir, {
    port: String(port), fsync: "off", synchronous_commit: "off", max_connections: "300",
    shared_preload_libraries: "pg_stat_statements",
  });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once("exit", stop);
  return { server, port, users: 0, stop };
}

/** The run's server, and the function to call when this caller is done with it. */
export async function acquirePostgres(): Promise<{ server: BenchServer; port: number; release(): void }> {
  const s = await (shared[KEY] ??= start());
  s.users++;
  let released = false;
  return {
    server: s.server,
    port: s.port,
    release() {
      if (released) return;
      released = true;
      if (--s.users > 0) return;
      s.stop();
      delete shared[KEY];
    },
  };
}
