// The local stack behind `npm start` and `npm run load`: a database (embedded PGlite seeded with demo
// data, or DATABASE_URL's PostgreSQL as is), the local Neon endpoint in front of it, and the Worker
// in `wrangler dev`, all on 127.0.0.1.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
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
  /**
   * The Hyperdrive path (docs/database-paths.md): the Worker reaches databaseUrl with node-postgres
   * through a local Hyperdrive binding, instead of through the local Neon endpoint.
   */
  hyperdrive?: boolean;
  quiet?: boolean;
  /** Receives everything wrangler writes to stdout (the Worker's log lines among it). */
  onOutput?: (text: string) => void;
  /** Aborting it (a signal arrived while starting) stops whatever has started and rejects. */
  signal?: AbortSignal;
}): Promise<LocalService> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const unwind = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  const checkpoint = async () => {
    if (opts.signal?.aborted) {
      await unwind();
      throw new Error("stopped while starting");
    }
  };
  if (opts.hyperdrive && !opts.databaseUrl) throw new Error("the Hyperdrive path needs DATABASE_URL: a PostgreSQL server to connect to");
  // wrangler's local Hyperdrive refuses a connection string without one (even for a trusting server).
  if (opts.hyperdrive && !URL.parse(opts.databaseUrl!)?.password) throw new Error("the Hyperdrive path needs a password in DATABASE_URL (postgres://user:password@host:port/db)");
  buildAssets();
  const { backend, cleanup, label } = await openBackend(opts.databaseUrl);
  cleanups.push(cleanup, () => backend.close());
  await checkpoint();
  const neonLocal = await startNeonLocal({ backend });
  cleanups.push(() => neonLocal.close());
  await checkpoint();
  const vars = {
    NEON_FETCH_ENDPOINT: neonLocal.url,
    // The local endpoint serves its own database whatever this says, so the real URL (and its
    // password) never appears on a command line.
    DATABASE_URL: "postgres://local:local@neon-local.invalid/lago",
    ...opts.vars,
  };
  // wrangler's devtools port defaults to 9229 (or the next one free when it looks): two services
  // starting at once (tests in parallel) could both take it, so each is handed a port of its own.
  const inspectorPort = await freePort();
  // Its local state (the Cache API above all) of its own too, dropped at stop: services running side
  // by side never share entries, and a restart never answers from the last run's cache.
  const state = mkdtempSync(join(tmpdir(), "lago-wrangler-state-"));
  cleanups.push(() => rmSync(state, { recursive: true, force: true }));
  const wrangler = spawn(
    process.execPath,
    [
      join(root, "node_modules", "wrangler", "bin", "wrangler.js"),
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(opts.port),
      "--inspector-ip", "127.0.0.1",
      "--inspector-port", String(inspectorPort),
      "--persist-to", state,
      "--show-interactive-dev-session=false",
      ...(opts.hyperdrive ? ["--config", hyperdriveConfig()] : []),
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    // A process group of its own (detached): wrangler, workerd and esbuild are stopped together by
    // signalling the group, whoever signalled us and however (npm forwards a signal to its child only).
    // The Hyperdrive binding's local connection string goes by environment, never on a command line.
    {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ...OFFLINE_ENV, ...(opts.hyperdrive ? { [`CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_${HYPERDRIVE_BINDING}`]: opts.databaseUrl } : {}) },
    },
  );
  const exited = new Promise<number>((resolve) => wrangler.on("exit", (code) => resolve(code ?? 1)));
  // wrangler says when it listens; watching for that line avoids a probe request (and its log line).
  const ready = new Promise<boolean>((resolve) => {
    wrangler.stdout.on("data", (chunk: Buffer) => {
      if (!opts.quiet) process.stdout.write(chunk);
      opts.onOutput?.(chunk.toString());
      if (READY_LINE.test(chunk.toString())) resolve(true);
    });
    void exited.then(() => resolve(false));
    opts.signal?.addEventListener("abort", () => resolve(false), { once: true });
  });
  cleanups.push(() => stopGroup(wrangler.pid, exited));

  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= unwind());

  const url = `http://127.0.0.1:${opts.port}`;
  if (!(await ready)) {
    await stop();
    throw new Error(opts.signal?.aborted ? "stopped while starting" : "wrangler dev did not start");
  }
  return { url, label: opts.hyperdrive ? `${label}, through a local Hyperdrive binding` : label, stop, exited };
}

const HYPERDRIVE_BINDING = "HYPERDRIVE";

/**
 * wrangler.toml plus a local Hyperdrive binding, written beside it (so its relative paths still
 * hold; git ignores it). wrangler.toml itself has none at the top level: `npm start` and the tests
 * stay on the Neon path unless asked, and wrangler dev refuses a binding it has no database for.
 */
function hyperdriveConfig(): string {
  const path = join(root, ".wrangler-hyperdrive.toml");
  const binding = `\n# Added by scripts/local-service.ts for the Hyperdrive path; the connection string comes from\n# CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_${HYPERDRIVE_BINDING}.\n[[hyperdrive]]\nbinding = "${HYPERDRIVE_BINDING}"\nid = "local"\n`;
  // Written aside and renamed: a wrangler starting at the same moment never reads half a file.
  const partial = `${path}.${process.pid}.${crypto.randomUUID()}`;
  writeFileSync(partial, readFileSync(join(root, "wrangler.toml"), "utf8") + binding);
  renameSync(partial, path);
  return path;
}

const READY_LINE = /Ready on http:\/\/127\.0\.0\.1:\d+/;
const GRACE_MS = 3_000;

/** SIGTERM to the whole group, then SIGKILL to whatever is left after a grace period. */
async function stopGroup(pid: number | undefined, exited: Promise<number>): Promise<void> {
  if (pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  signalGroup("SIGTERM");
  const timer = new Promise((resolve) => setTimeout(resolve, GRACE_MS).unref());
  await Promise.race([exited, timer]);
  // workerd may outlive wrangler by a moment: the group is killed whatever wrangler did.
  signalGroup("SIGKILL");
}

/** True when nothing listens on 127.0.0.1:port (checked by listening on it for a moment). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port nothing listens on right now on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
