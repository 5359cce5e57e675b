import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startPostgres } from "../scripts/bench/postgres.ts";
import { migrationStatements } from "../scripts/db/migrations.ts";
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
  const admin = new pg.Client(server.url("postgres"));
  await admin.connect();
  await admin.query("CREATE DATABASE lago");
  await admin.end();
  const db = new pg.Client(server.url("lago"));
  await db.connect();
  for (const statement of migrationStatements()) await db.query(statement);
  await db.end();
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
    server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
