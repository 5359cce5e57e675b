// Debian's PostgreSQL with the demo data, for `npm run load -- --paths ...`: both database paths
// need a server that takes connections (the Hyperdrive path speaks the wire protocol, which the
// embedded PGlite of `npm start` does not serve).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres } from "../bench/postgres.ts";
import { createMigratedDatabase, withPassword } from "../db/migrated-database.ts";
import { freePort } from "../local-service.ts";
import { demoData } from "../seed/demo.ts";
import { loadLagoData } from "../seed/load.ts";

export async function demoPostgres(): Promise<{ url: string; version: string; stop(): void }> {
  const dataDir = mkdtempSync(join(tmpdir(), "lago-load-pg-"));
  const server = startPostgres(dataDir, { port: String(await freePort()), max_connections: "200" });
  await createMigratedDatabase(server, "lago", (query) => loadLagoData((text, params) => query(text, params), demoData(new Date())));
  return {
    url: withPassword(server.url("lago")),
    version: server.version,
    stop() {
      server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
