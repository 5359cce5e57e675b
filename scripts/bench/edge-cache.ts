// Both endpoints answered from the edge cache: the Worker runs in workerd under `wrangler dev` (as
// `npm start` runs it) in front of the local Neon endpoint. One request fills the Cache API (the API
// key lookup and the response); the timed requests after it must not reach the database.
import { spawn } from "node:child_process";
import { buildAssets } from "../assets/build.ts";
import { existsSync } from "node:fs";
import { freePort } from "../local-service.ts";
import { join } from "node:path";
import { OFFLINE_ENV } from "../node-version.ts";
import type { NeonLocal } from "../neon-local/server.ts";
import { measure, type Timing } from "./measure.ts";

const root = join(import.meta.dirname, "..", "..");

export type CachedResult = { timing: Timing; databaseStatements: number } | { pending: string };

export type EdgeWorker = { get(path: string, apiKey: string, headers?: Record<string, string>): Promise<Response>; close(): Promise<void> };

/** The Worker in `wrangler dev` on 127.0.0.1, or the reason it cannot be measured. */
export async function startEdgeWorker(neonLocal: NeonLocal): Promise<EdgeWorker | string> {
  if (!existsSync(join(root, "src", "cache"))) return "pending: cache not merged";
  buildAssets(); // wrangler.toml's [assets] directory must exist before wrangler dev starts
  const port = await freePort();
  const wrangler = spawn(
    process.execPath,
    [
      join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "dev", "--ip", "127.0.0.1", "--port", String(port),
      "--var", `NEON_FETCH_ENDPOINT:${neonLocal.url}`, "--var", "DATABASE_URL:postgres://bench:bench@neon-local.invalid/lago",
      "--show-interactive-dev-session=false",
    ],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...OFFLINE_ENV } },
  );
  let stderr = "";
  wrangler.stderr.on("data", (chunk: Buffer) => (stderr = `${stderr}${chunk.toString()}`.slice(-2000)));
  const exited = new Promise<void>((resolve) => wrangler.once("exit", () => resolve()));
  const close = async () => {
    wrangler.kill("SIGTERM");
    await exited;
  };
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 600; attempt++) {
    if (wrangler.exitCode !== null) return `pending: wrangler dev exited (${stderr.trim().split("\n").slice(-1)[0] ?? ""})`;
    try {
      await fetch(`${base}/`);
      return { get: (path, apiKey, headers = {}) => fetch(`${base}${path}`, { headers: { ...headers, Authorization: `Bearer ${apiKey}` } }), close };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await close();
  return "pending: wrangler dev did not start within a minute";
}

export type WorkerResult = { cached: CachedResult; uncached: CachedResult };

/**
 * The Worker answering `path`: with `Cache-Control: no-cache` (the database is asked, through the
 * rollups), and from the edge cache after one request filled it (the database must not be asked).
 */
export async function measureWorker(worker: EdgeWorker, neonLocal: NeonLocal, path: string, apiKey: string, reps: number): Promise<WorkerResult> {
  const get = (headers: Record<string, string> = {}) => async () => {
    const response = await worker.get(path, apiKey, headers);
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${body.slice(0, 200)}`);
    return body;
  };
  try {
    const uncached = await measure(reps, get({ "Cache-Control": "no-cache" }), 3);
    await get()(); // fills the cache (or finds the no-cache request's entry)
    await new Promise((resolve) => setTimeout(resolve, 200)); // the cache write runs after the response
    const before = neonLocal.queryCount();
    const timing = await measure(reps, get(), 3);
    const databaseStatements = neonLocal.queryCount() - before;
    const cached: CachedResult = databaseStatements > 0
      ? { pending: `not served from the cache: ${databaseStatements} statements reached the database` }
      : { timing, databaseStatements };
    return { cached, uncached: { timing: uncached, databaseStatements: 0 } };
  } catch (err) {
    const pending = { pending: `pending: ${(err as Error).message.slice(0, 120)}` };
    return { cached: pending, uncached: pending };
  }
}
