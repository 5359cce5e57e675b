// npm run bench:lighthouse [-- --runs 3 --update-docs]
// Lighthouse (npm, pinned at 12.2.3: later versions' locks are refused by this npm, see
// docs/benchmarks.md) on the dashboard's signed-out page, desktop preset, in Debian's chromium,
// against the service as `npm start` runs it (wrangler dev, demo database). Prints the scores of
// each run and writes the medians to the results file. A benchmark, not a test: Lighthouse's
// performance score moves with the machine.
import "../node-version.ts";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import { CHROMIUM, ensureChromium } from "../browser.ts";
import { freePort, startLocalService } from "../local-service.ts";
import { resultsFile, writeSection } from "./results-file.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" }, "update-docs": { type: "boolean", default: false } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error("--runs is 1..20");
const CATEGORIES = ["performance", "accessibility", "best-practices"] as const;
const GOAL = 95;

ensureChromium();
const service = await startLocalService({ port: await freePort(), quiet: true });
const scores: Record<(typeof CATEGORIES)[number], number[]> = { performance: [], accessibility: [], "best-practices": [] };
try {
  for (let i = 0; i < runs; i++) {
    const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
    try {
      const result = await lighthouse(`${service.url}/`, { port: chrome.port, output: "json", logLevel: "error", onlyCategories: [...CATEGORIES] }, desktopConfig);
      if (!result) throw new Error("lighthouse gave no result");
      const line = CATEGORIES.map((c) => {
        const score = Math.round((result.lhr.categories[c]?.score ?? 0) * 100);
        scores[c].push(score);
        return `${c} ${score}`;
      });
      console.log(`run ${i + 1}: ${line.join(", ")}`);
    } finally {
      await chrome.kill();
    }
  }
} finally {
  await service.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const command = `npm run bench:lighthouse -- --runs ${runs}`;
const when = new Date().toISOString().slice(0, 16).replace("T", " ");
const rows = CATEGORIES.map((c) => `| ${c} | ${scores[c].join(", ")} | ${median(scores[c])} | ${median(scores[c]) >= GOAL ? "met" : "missed"} |`);
const section = `## Dashboard: Lighthouse (desktop, signed-out page)

Written by \`${command}\` on ${when} UTC; ${cpus().length} cores; Lighthouse 12.2.3 in Debian's chromium, against \`wrangler dev\` on the demo database.

| category | scores (each run) | median | goal >= ${GOAL} |
|---|---|---|---|
${rows.join("\n")}`;
console.log(`\n${section}\n`);
const output = resultsFile(values["update-docs"]);
writeSection(output.path, "lighthouse", "npm run bench:lighthouse", section);
console.log(`Written to ${output.shown}.`);
