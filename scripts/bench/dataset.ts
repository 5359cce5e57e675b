// The bench databases: one per size, loaded once from the generator and reused while the generator,
// Lago's table migration, this loader and the month stay the same (loading 1M fees per organization
// for eleven organizations takes minutes).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import type { GenerateOptions } from "../seed/generate.ts";

const root = join(import.meta.dirname, "..", "..");

/** Per organization: fees and daily_usages rows; `organizations` of that size (the target first). */
export type Size = { label: string; fees: number; dailyUsages: number; organizations: number };

/** The endpoint bench: the target organization (the generator's first, acme) and ten more of the same size. */
export const SIZES: Size[] = [
  { label: "10k", fees: 10_000, dailyUsages: 10_000, organizations: 11 },
  { label: "100k", fees: 100_000, dailyUsages: 100_000, organizations: 11 },
  { label: "1M", fees: 1_000_000, dailyUsages: 1_000_000, organizations: 11 },
];

/**
 * The rollup-build bench (scripts/bench/rollups.ts): the shapes the first-build goals are stated
 * for, 1M fees in the target beside two more organizations of 1M (about 150k daily usages in all),
 * and the target alone at 3M and 10M fees, for how the build grows with one organization's size.
 */
export const BUILD_SIZES: Size[] = [
  { label: "build-1Mx3", fees: 1_000_000, dailyUsages: 50_000, organizations: 3 },
  { label: "build-3M", fees: 3_000_000, dailyUsages: 150_000, organizations: 1 },
  { label: "build-10M", fees: 10_000_000, dailyUsages: 500_000, organizations: 1 },
];

export const TARGET_API_KEY = "demo_acme_1";

export const findSize = (label: string): Size | undefined =>
  [...SIZES, ...BUILD_SIZES].find((s) => s.label.toLowerCase() === label.trim().toLowerCase());

/** Generator options for a size; `now` is the first instant of `month` ('YYYY-MM') plus `day` days. */
export function generateOptions(size: Size, now: Date): GenerateOptions {
  return {
    seed: "bench", now, organizations: size.organizations, months: 36,
    feesPerOrganization: size.fees, dailyUsagesPerOrganization: size.dailyUsages,
    metricsPerOrganization: 50, currencies: ["USD", "EUR", "GBP"], batchSize: 10_000,
  };
}

/** Changes with the generator, its options, the Lago tables' migrations and the loader itself. */
export function datasetHash(size: Size): string {
  const hash = createHash("sha256");
  const seedDir = join(root, "scripts", "seed");
  for (const file of readdirSync(seedDir).sort()) hash.update(readFileSync(join(seedDir, file)));
  for (const file of ["0000_lago_tables.sql", "0002_lago_invoice_subscriptions.sql"]) hash.update(readFileSync(join(root, "drizzle", file)));
  for (const file of ["load.ts", "copy.ts"]) hash.update(readFileSync(join(import.meta.dirname, file)));
  hash.update(JSON.stringify(generateOptions(size, new Date(0))));
  return hash.digest("hex").slice(0, 10);
}

/** The database of a size, keyed on the content hash and the month (the data ends at its build day). */
export function databaseName(size: Size, month: string): string {
  return `bench_${size.label.toLowerCase()}_${month.replace("-", "")}_${datasetHash(size)}`;
}

/**
 * Returns the name of a loaded database for this size, loading it first when absent. Databases of
 * the same size with another key are dropped first, to keep the disk in check.
 */
export async function ensureDataset(adminUrl: string, size: Size, now: Date): Promise<{ name: string; loadedNow: boolean; seconds: number }> {
  const name = databaseName(size, now.toISOString().slice(0, 7));
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  try {
    const existing = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [`bench\\_${size.label.toLowerCase()}\\_%`]);
    if (existing.rows.some((r) => r.datname === name)) return { name, loadedNow: false, seconds: 0 };
    for (const { datname } of existing.rows) await admin.query(`DROP DATABASE "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const started = performance.now();
  // A child process with a larger heap: eleven organizations' reference rows are held in memory.
  const child = spawnSync(
    process.execPath,
    ["--max-old-space-size=8192", join(import.meta.dirname, "load.ts"), adminUrl, name, size.label, now.toISOString()],
    { stdio: "inherit" },
  );
  if (child.status !== 0) throw new Error(`loading ${name} failed`);
  return { name, loadedNow: true, seconds: (performance.now() - started) / 1000 };
}
