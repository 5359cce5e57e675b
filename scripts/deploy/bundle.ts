// Bundles the Worker for one deployment environment exactly as `wrangler deploy` would, offline
// (--dry-run), and reports its size. Used by `npm run bundle` and the deploy tests.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildAssets } from "../assets/build.ts";
import { OFFLINE_ENV } from "../node-version.ts";

const root = join(import.meta.dirname, "..", "..");
export const ENVIRONMENTS = ["us", "eu"] as const;
/**
 * The gzipped size a deployment may reach: issue 5's 150 KB, plus 20 KB since the Hyperdrive path
 * brought node-postgres (31 KB gzipped), plus 10 KB for the usage snapshots (161.0 KB before them,
 * 170.9 KB with their period ends). Cloudflare's own limit is far above (3 MB on the free plan).
 */
export const GZIP_BUDGET_BYTES = 180 * 1024;

export type BundleResult = { env: string; ok: boolean; output: string; rawBytes: number; gzipBytes: number };

/** `config`: another wrangler config (tests use one with the Hyperdrive blocks switched on). */
export function bundle(env: string, config = join(root, "wrangler.toml")): BundleResult {
  buildAssets();
  const outdir = mkdtempSync(join(tmpdir(), `lago-bundle-${env}-`));
  try {
    const run = spawnSync(
      process.execPath,
      [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "deploy", "--dry-run", "--config", config, "--env", env, "--outdir", outdir],
      { cwd: root, encoding: "utf8", env: { ...process.env, ...OFFLINE_ENV } },
    );
    const output = `${run.stdout}${run.stderr}`;
    if (run.status !== 0) return { env, ok: false, output, rawBytes: 0, gzipBytes: 0 };
    const code = readFileSync(join(outdir, "index.js"));
    return { env, ok: true, output, rawBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let failed = false;
  for (const env of ENVIRONMENTS) {
    const result = bundle(env);
    if (!result.ok) {
      console.error(result.output);
      failed = true;
      continue;
    }
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    const over = result.gzipBytes > GZIP_BUDGET_BYTES;
    failed ||= over;
    console.log(`${env}: ${kb(result.rawBytes)} raw, ${kb(result.gzipBytes)} gzipped (budget ${kb(GZIP_BUDGET_BYTES)})${over ? " OVER BUDGET" : ""}`);
  }
  process.exit(failed ? 1 : 0);
}
