import { PGlite } from "@electric-sql/pglite";
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationStatements, migrationsHash } from "./migrations.ts";

const DATA_DIR = join(import.meta.dirname, "..", "..", ".data");

type Seeder = { name: string; seed(db: PGlite): Promise<void> };

/**
 * A fresh PGlite start costs seconds; reopening a directory costs a fraction of one. So the migrated
 * (and optionally seeded) database is built once per content hash and each run works on a copy.
 */
export async function pgliteCopy(seeder?: Seeder): Promise<{ dir: string; remove(): void }> {
  const template = await ensureTemplate(seeder);
  const dir = mkdtempSync(join(tmpdir(), "lago-pglite-"));
  cpSync(template, dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function ensureTemplate(seeder?: Seeder): Promise<string> {
  const dir = join(DATA_DIR, `pglite-${migrationsHash()}${seeder ? `-${seeder.name}` : ""}`);
  if (existsSync(dir)) return dir;
  mkdirSync(DATA_DIR, { recursive: true });
  // Built aside and renamed into place, so an interrupted build never leaves a half template behind.
  const building = mkdtempSync(join(DATA_DIR, "building-"));
  const db = await PGlite.create(building);
  for (const statement of migrationStatements()) await db.exec(statement);
  if (seeder) await seeder.seed(db);
  await db.close();
  try {
    renameSync(building, dir);
  } catch (err) {
    // Another process finished the same template first: theirs is identical, keep it.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(dir)) throw err;
  }
  return dir;
}
