// node scripts/neon-local/cli.ts [--port N] [--database postgres://...] [--data-dir DIR]
// Starts the local Neon HTTP endpoint in front of PGlite (in memory, or DIR) or a PostgreSQL server.
import { parseArgs } from "node:util";
import { pgliteBackend, postgresBackend } from "./backends.ts";
import { startNeonLocal } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    database: { type: "string" },
    "data-dir": { type: "string" },
  },
});
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port: ${values.port}`);

const backend = values.database
  ? postgresBackend(values.database)
  : pgliteBackend(values["data-dir"] ? { dataDir: values["data-dir"] } : {});
const server = await startNeonLocal({ backend, port });
// Open the database now, so a wrong URL or data directory fails here rather than on the first query.
(await backend.connect()).release();

const target = values.database ? "PostgreSQL" : `PGlite (${values["data-dir"] ?? "in memory"})`;
console.log(`Neon HTTP endpoint for ${target}: ${server.url}`);
console.log(`Set neonConfig.fetchEndpoint (or NEON_FETCH_ENDPOINT) to it. Ctrl-C stops.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.close();
  await backend.close();
  console.log(`Stopped after ${server.queryCount()} statements.`);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
