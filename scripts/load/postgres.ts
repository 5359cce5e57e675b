// Debian's PostgreSQL with the demo data, for `npm run load -- --paths ...`: both database paths
// need a server that takes connections (the Hyperdrive path speaks the wire protocol, which the
// embedded PGlite of `npm start` does not serve).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startPostgres } from "../bench/postgres.ts";
import { migrationStatements } from "../db/migrations.ts";
import { freePort } from "../local-service.ts";
import { demoData } from "../seed/demo.ts";
import { loadLagoData } from "../seed/load.ts";

export async function demoPostgres(): Promise<{ url: string; version: string; stop(): void }> {
  const dataDir = mkdtempSync(join(tmpdir(), "lago-load-pg-"));
  const server = startPostgres(dataDir, { port: String(await freePort()), max_connections: "200" });
  const admin = new pg.Client(server.url("postgres"));
  await admin.connect();
  await admin.query("CREATE DATABASE lago");
  await admin.end();
  const db = new pg.Client(server.url("lago"));
  await db.connect();
  for (const statement of migrationStatements()) await db.query(statement);
  await loadLagoData((text, params) => db.query(text, params), demoData(new Date()));
  await db.end();
  return {
    // Hyperdrive's bindings need a password; the server trusts loopback and never asks for it.
    url: server.url("lago").replace("postgres@", "postgres:local@"),
    version: server.version,
    stop() {
      server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
