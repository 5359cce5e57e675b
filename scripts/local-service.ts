// The local stack behind `npm start` and `npm run load`: a database (embedded PGlite seeded with demo
// data, or DATABASE_URL's PostgreSQL as is), the local Neon endpoint in front of it, and the Worker
// in `wrangler dev`, all on 127.0.0.1.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { buildAssets } from "./assets/build.ts";
import { pgliteCopy } from "./db/pglite-template.ts";
import { type Backend, pgliteBackend, postgresBackend } from "./neon-local/backends.ts";
import { startNeonLocal } from "./neon-local/server.ts";
import { OFFLINE_ENV } from "./node-version.ts";
import { demoSeeder } from "./seed/demo-seeder.ts";

const root = join(import.meta.dirname, "..");

export type LocalService = { url: string; label: string; stop(): Promise<void>; exited: Promise<number> };

async function openBackend(databaseUrl: string | undefined): Promise<{ backend: Backend; cleanup(): void; label: string }> {
  if (databaseUrl) {
    // A real (possibly Lago) database: never migrated, never seeded, only read.
    return { backend: postgresBackend(databaseUrl), cleanup: () => {}, label: "PostgreSQL from DATABASE_URL" };
  }
  const copy = await pgliteCopy(demoSeeder(new Date()));
  return { backend: pgliteBackend({ dataDir: copy.dir }), cleanup: copy.remove, label: "embedded PGlite with demo data" };
}

export async function startLocalService(opts: {
  port: number;
  databaseUrl?: string | undefined;
  vars?: Record<string, string>;
  quiet?: boolean;
}): Promise<LocalService> {
  buildAssets();
  const { backend, cleanup, label } = await openBackend(opts.databaseUrl);
  const neonLocal = await startNeonLocal({ backend });
  const vars = {
    NEON_FETCH_ENDPOINT: neonLocal.url,
    // The local endpoint serves its own database whatever this says, so the real URL (and its
    // password) never appears on a command line.
    DATABASE_URL: "postgres://local:local@neon-local.invalid/lago",
    ...opts.vars,
  };
  const wrangler = spawn(
    process.execPath,
    [
      join(root, "node_modules", "wrangler", "bin", "wrangler.js"),
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(opts.port),
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    { cwd: root, stdio: ["ignore", opts.quiet ? "ignore" : "inherit", "inherit"], env: { ...process.env, ...OFFLINE_ENV } },
  );
  const exited = new Promise<number>((resolve) => wrangler.on("exit", (code) => resolve(code ?? 1)));

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      wrangler.kill("SIGTERM");
      await exited;
      await neonLocal.close();
      await backend.close();
      cleanup();
    })());

  const url = `http://127.0.0.1:${opts.port}`;
  const ready = await Promise.race([waitUntilServing(url), exited.then(() => false)]);
  if (!ready) {
    await stop();
    throw new Error("wrangler dev did not start");
  }
  return { url, label, stop, exited };
}

async function waitUntilServing(url: string): Promise<boolean> {
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      await fetch(url);
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return false;
}
