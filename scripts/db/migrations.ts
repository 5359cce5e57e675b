import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const DRIZZLE_DIR = join(import.meta.dirname, "..", "..", "drizzle");

/** The statements of every drizzle-kit migration, in journal order. */
export function migrationStatements(): string[] {
  const journal = JSON.parse(readFileSync(join(DRIZZLE_DIR, "meta", "_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  return journal.entries.flatMap((entry) =>
    readFileSync(join(DRIZZLE_DIR, `${entry.tag}.sql`), "utf8")
      .split("--> statement-breakpoint")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** Changes whenever a migration changes, so a database built from them can be reused until then. */
export function migrationsHash(): string {
  return createHash("sha256").update(migrationStatements().join("\n;\n")).digest("hex").slice(0, 16);
}
