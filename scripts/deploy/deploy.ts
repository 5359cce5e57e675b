// npm run deploy -- --env us|eu: bundles and deploys one regional Worker with wrangler. Needs a
// Cloudflare login (`npx wrangler login` or CLOUDFLARE_API_TOKEN) and that region's DATABASE_URL
// secret (`npx wrangler secret put DATABASE_URL --env us`) set once beforehand.
import "../node-version.ts";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { buildAssets } from "../assets/build.ts";
import { ENVIRONMENTS } from "./bundle.ts";

// Every argument goes on to `wrangler deploy` (--message, --dry-run…); --env must name a region.
const args = process.argv.slice(2);
const envAt = args.findIndex((a) => a === "--env" || a.startsWith("--env="));
const env = envAt < 0 ? undefined : args[envAt]!.includes("=") ? args[envAt]!.split("=")[1] : args[envAt + 1];
if (!env || !(ENVIRONMENTS as readonly string[]).includes(env)) {
  console.error(`Usage: npm run deploy -- --env ${ENVIRONMENTS.join("|")}`);
  process.exit(2);
}
buildAssets();
const root = join(import.meta.dirname, "..", "..");
const run = spawnSync(process.execPath, [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "deploy", ...args], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
process.exit(run.status ?? 1);
