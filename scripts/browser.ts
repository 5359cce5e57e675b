// The browser the dashboard's tests drive: Debian's chromium, installed with apt-get when absent
// (npm's browser builds come from hosts this project does not rely on). Run as root, as CI does.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * The binary itself (/usr/bin/chromium is a wrapper script that prints a warning first), or the
 * Chrome or Chromium that CHROMIUM_PATH names (a CI image with a browser of its own).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/lib/chromium/chromium";

export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${CHROMIUM} does not exist`);
  console.log("Installing Debian's chromium for the dashboard's browser tests (apt-get)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "chromium"]]) {
    const run = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed (${run.status ?? run.signal}): the browser tests need root and Debian's packages`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`chromium installed but ${CHROMIUM} is missing`);
}

if (import.meta.main) ensureChromium();
