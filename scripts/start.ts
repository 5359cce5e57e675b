// npm start: the Worker in `wrangler dev` on 127.0.0.1, reading through the local Neon endpoint from
// either an embedded PGlite seeded with demo data (default) or DATABASE_URL's PostgreSQL, as is.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { OFFLINE_ENV } from "./node-version.ts";
import { type Backend, pgliteBackend, postgresBackend } from "./neon-local/backends.ts";
import { startNeonLocal } from "./neon-local/server.ts";
import { pgliteCopy } from "./db/pglite-template.ts";
import { demoSeeder } from "./seed/demo-seeder.ts";
import { DEMO_API_KEY } from "./seed/demo.ts";

const root = join(import.meta.dirname, "..");
const port = Number(process.env.PORT ?? 8787);
const databaseUrl = process.env.DATABASE_URL;

async function openBackend(): Promise<{ backend: Backend; cleanup(): void; label: string }> {
  if (databaseUrl) {
    // A real (possibly Lago) database: never migrated, never seeded, only read.
    return { backend: postgresBackend(databaseUrl), cleanup: () => {}, label: "PostgreSQL from DATABASE_URL" };
  }
  const copy = await pgliteCopy(demoSeeder(new Date()));
  return { backend: pgliteBackend({ dataDir: copy.dir }), cleanup: copy.remove, label: "embedded PGlite with demo data" };
}

const { backend, cleanup, label } = await openBackend();
const neonLocal = await startNeonLocal({ backend });

const wrangler = spawn(
  process.execPath,
  [
    join(root, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--var", `NEON_FETCH_ENDPOINT:${neonLocal.url}`,
    // The local endpoint serves its own database whatever this says, so the real URL (and its
    // password) never appears on a command line.
    "--var", "DATABASE_URL:postgres://local:local@neon-local.invalid/lago",
    "--show-interactive-dev-session=false",
  ],
  { cwd: root, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ...OFFLINE_ENV } },
);

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  wrangler.kill("SIGTERM");
  await neonLocal.close();
  await backend.close();
  cleanup();
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
wrangler.on("exit", (code) => void stop(code ?? 1));

await waitUntilServing(`http://127.0.0.1:${port}/`);
const url = `http://127.0.0.1:${port}`;
console.log(`
Lago edge analytics is running on ${url} (${label}).
${databaseUrl ? "Use one of that database's API keys." : `Demo API key: ${DEMO_API_KEY}`}

  curl -H "Authorization: Bearer ${databaseUrl ? "<api key>" : DEMO_API_KEY}" "${url}/api/v1/analytics/invoiced_usage?months=12"

Ctrl-C stops everything.`);

async function waitUntilServing(target: string) {
  for (let attempt = 0; attempt < 600 && !stopping; attempt++) {
    try {
      await fetch(target);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  if (!stopping) {
    console.error("wrangler dev did not start within a minute");
    await stop(1);
  }
}
