// Databases of a test file's own on the run's PostgreSQL server (test/postgres-server.ts), each
// with every migration applied (scripts/db/migrated-database.ts). Names are unique per call, so
// files running side by side never meet; the server and its data are dropped at the end of the run.
import { inject } from "vitest";
import type { BenchServer } from "../../scripts/bench/postgres.ts";
import { createMigratedDatabase, type Query } from "../../scripts/db/migrated-database.ts";

/** The run's server: URLs of its databases (as the superuser postgres, trusted on loopback). */
export function testServer(): Pick<BenchServer, "url"> {
  const port = inject("postgresPort");
  return { url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}` };
}

/** A new migrated database named after `label`, optionally filled; its name and URL. */
export async function migratedDatabase(label: string, fill?: (query: Query) => Promise<unknown>): Promise<{ name: string; url: string }> {
  const server = testServer();
  const name = `${label}_${crypto.randomUUID().slice(0, 8)}`;
  await createMigratedDatabase(server, name, fill);
  return { name, url: server.url(name) };
}
