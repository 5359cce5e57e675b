import type { TestProject } from "vitest/node";
import { createMigratedDatabase } from "../scripts/db/migrated-database.ts";
import { postgresBackend } from "../scripts/neon-local/backends.ts";
import { startNeonLocal } from "../scripts/neon-local/server.ts";
import { startPgProxy } from "../scripts/pg-proxy/server.ts";
import { acquirePostgres } from "./postgres-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pgProxyUrl: string;
    pgProxyControl: string;
  }
}

// The Hyperdrive path's run of the Worker tests: one migrated database on the run's PostgreSQL
// (test/postgres-server.ts). The Worker reaches it with node-postgres through the wire proxy
// (scripts/pg-proxy/server.ts, where Hyperdrive would stand, with the same per-name controls); the
// fixtures are written through the local Neon endpoint in front of the same server, as in the
// default run.
export default async function setup(project: TestProject) {
  const { server, port, release } = await acquirePostgres();
  const database = "lago_workers";
  await createMigratedDatabase(server, database);
  const backend = postgresBackend(server.url(database), { max: 20 });
  const neonLocal = await startNeonLocal({ backend, control: true });
  const proxy = await startPgProxy({ upstream: { host: "127.0.0.1", port }, database, user: "postgres" });
  project.provide("neonUrl", neonLocal.url);
  project.provide("pgProxyUrl", proxy.url("lago"));
  project.provide("pgProxyControl", proxy.controlUrl);
  return async () => {
    await proxy.close();
    await neonLocal.close();
    await backend.close();
    release();
  };
}
