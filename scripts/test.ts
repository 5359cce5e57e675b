// npm test: every vitest project (workerd + node), then the closing line CI reads: "N passed, N failed".
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildAssets } from "./assets/build.ts";
import { ensureInstalled as ensurePostgres } from "./bench/postgres.ts";
import { ensureChromium } from "./browser.ts";
import { OFFLINE_ENV } from "./node-version.ts";

const root = join(import.meta.dirname, "..");
const report = join(root, ".data", "vitest-report.json");
mkdirSync(join(root, ".data"), { recursive: true });
rmSync(report, { force: true });
// wrangler.toml's [assets] directory must exist before workerd starts; the dashboard's browser
// tests need Debian's chromium, the statement-timeout test Debian's PostgreSQL (each installed once,
// outside any test's timeout).
buildAssets();
ensureChromium();
ensurePostgres();

const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const args = ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)];
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
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
