// npm test: every tier; `npm run test:unit|test:workers|test:e2e`: one (node scripts/test.ts TIER).
// Installs what the chosen tiers need and nothing else, then runs vitest and ends with the closing
// line CI reads: "N passed, N failed". Arguments after the tier go to vitest (a file, -t NAME).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildAssets } from "./assets/build.ts";
import { ensureInstalled as ensurePostgres } from "./bench/postgres.ts";
import { ensureChromium } from "./browser.ts";
import { OFFLINE_ENV } from "./node-version.ts";

type Need = "assets" | "postgres" | "chromium";

/** Each tier's vitest projects (vitest.config.ts) and what must be on the machine before they run. */
const TIERS: Record<string, { projects: string[]; needs: Need[] }> = {
  // Node only: the tooling, the rollups on PGlite. Nothing to install.
  unit: { projects: ["unit"], needs: [] },
  // The Worker in workerd on both database paths; the Hyperdrive path needs Debian's PostgreSQL and
  // wrangler.toml's [assets] directory must exist before workerd starts.
  workers: { projects: ["workers", "workers-hyperdrive"], needs: ["assets", "postgres"] },
  // wrangler dev, Debian's chromium and Debian's PostgreSQL.
  e2e: { projects: ["e2e"], needs: ["assets", "postgres", "chromium"] },
};

const root = join(import.meta.dirname, "..");
const [first, ...rest] = process.argv.slice(2);
const chosen = first !== undefined && first in TIERS ? [first] : Object.keys(TIERS);
const vitestArgs = first !== undefined && first in TIERS ? rest : process.argv.slice(2);
const needs = new Set(chosen.flatMap((tier) => TIERS[tier]!.needs));

// Each installed once, outside any test's timeout.
if (needs.has("assets")) buildAssets();
if (needs.has("chromium")) ensureChromium();
if (needs.has("postgres")) ensurePostgres();

const report = join(root, ".data", "vitest-report.json");
mkdirSync(join(root, ".data"), { recursive: true });
rmSync(report, { force: true });
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const projects = chosen.flatMap((tier) => TIERS[tier]!.projects.map((p) => `--project=${p}`));
const args = ["run", ...projects, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...vitestArgs];
const started = Date.now();
const run = spawnSync(process.execPath, [vitest, ...args], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, ...OFFLINE_ENV },
});

let passed = 0;
let failed = 1;
if (existsSync(report)) {
  const summary = JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number };
  passed = summary.numPassedTests;
  // A run that crashed outside any test still counts as a failure.
  failed = summary.numFailedTests + (run.status === 0 || summary.numFailedTests > 0 ? 0 : 1);
}
console.log(`\n${chosen.join(" + ")}: ${Math.round((Date.now() - started) / 1000)} s`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
