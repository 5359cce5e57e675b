import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startPostgres } from "../scripts/bench/postgres.ts";
import { createMigratedDatabase } from "../scripts/db/migrated-database.ts";
import { postgresBackend } from "../scripts/neon-local/backends.ts";
import { startNeonLocal } from "../scripts/neon-local/server.ts";
import { freePort } from "../scripts/local-service.ts";
import { startPgProxy } from "../scripts/pg-proxy/server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pgProxyUrl: string;
    pgProxyControl: string;
  }
}

// The Hyperdrive path's run of the Worker tests: one migrated database on Debian's PostgreSQL. The
// Worker reaches it with node-postgres through the wire proxy (scripts/pg-proxy/server.ts, where
// Hyperdrive would stand, with the same per-name controls); the fixtures are written through the
// local Neon endpoint in front of the same server, as in the default run.
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), "lago-hyperdrive-"));
  const port = await freePort();
  const server = startPostgres(dataDir, { port: String(port), fsync: "off", synchronous_commit: "off", max_connections: "200" });
  // vitest skips the teardown when its pool fails to start: the server is stopped on exit then.
  let stopped = false;
  const stopServer = () => {
    if (stopped) return;
    stopped = true;
    server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once("exit", stopServer);
  await createMigratedDatabase(server, "lago");
  const backend = postgresBackend(server.url("lago"), { max: 20 });
  const neonLocal = await startNeonLocal({ backend, control: true });
  const proxy = await startPgProxy({ upstream: { host: "127.0.0.1", port }, database: "lago", user: "postgres" });
  project.provide("neonUrl", neonLocal.url);
  project.provide("pgProxyUrl", proxy.url("lago"));
  project.provide("pgProxyControl", proxy.controlUrl);
  return async () => {
    await proxy.close();
    await neonLocal.close();
    await backend.close();
    stopServer();
  };
}
