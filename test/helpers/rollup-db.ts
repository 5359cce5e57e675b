// A database of the test file's own for the rollup tests: a copy of the migrated PGlite template
// (the service's migration included) behind its own local Neon endpoint, read through the real Neon
// driver and Drizzle, as the Worker reads. The rollup refresh is global to a database, so these
// tests never share one with the Worker tests (whose organizations must never see a rollup).
import { neon, neonConfig } from "@neondatabase/serverless";
import { pgliteCopy } from "../../scripts/db/pglite-template.ts";
import { type Backend, pgliteBackend, postgresBackend } from "../../scripts/neon-local/backends.ts";
import { startNeonLocal } from "../../scripts/neon-local/server.ts";
import { neonHttpDatabase } from "../../src/db/neon-http.ts";
import type { Database, DatabaseTiming } from "../../src/env.ts";

// neonConfig.fetchEndpoint is global: each database gets a host name of its own, routed to its endpoint.
const endpoints = new Map<string, string>();
neonConfig.fetchEndpoint = (host) => endpoints.get(host) ?? "http://127.0.0.1:9/unknown-host";

export type RollupDb = {
  /** The service's own database layer (src/db/neon-http.ts), as the cron and the queue consumer use it. */
  db: Database;
  /** The same, counting its statements and their time into `timing`. */
  counted(timing: DatabaseTiming): Database;
  /** What the Worker's bindings would hold for this database. */
  env: { DATABASE_URL: string; NEON_FETCH_ENDPOINT: string };
  /** Raw SQL for fixtures and mutations, through the same driver. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
};

export async function openRollupDb(): Promise<RollupDb> {
  const copy = await pgliteCopy();
  return behindNeonLocal(pgliteBackend({ dataDir: copy.dir }), () => copy.remove());
}

/** The same over a PostgreSQL server's database (already migrated), for what needs several sessions. */
export const openPostgresRollupDb = (url: string): Promise<RollupDb> => behindNeonLocal(postgresBackend(url), () => {});

async function behindNeonLocal(backend: Backend, remove: () => void): Promise<RollupDb> {
  const server = await startNeonLocal({ backend });
  const host = `rollups-${endpoints.size + 1}.localtest`;
  endpoints.set(host, server.url);
  const url = `postgres://test:test@${host}/lago`;
  const client = neon(url);
  await client.query("SELECT 1"); // PGlite boots lazily: pay for it here
  return {
    db: neonHttpDatabase({ driver: "neon-http", url, fetchEndpoint: undefined }, {}),
    counted: (timing) => neonHttpDatabase({ driver: "neon-http", url, fetchEndpoint: undefined }, { timing }),
    env: { DATABASE_URL: url, NEON_FETCH_ENDPOINT: server.url },
    query: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)) as T[],
    async close() {
      await server.close();
      await backend.close();
      remove();
    },
  };
}
