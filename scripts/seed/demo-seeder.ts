import type { PGlite } from "@electric-sql/pglite";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { demoData } from "./demo.ts";
import { loadLagoData } from "./load.ts";

// The demo database is rebuilt when the generator changes or a new month starts, so the demo
// always reaches the current month.
function generatorHash(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(import.meta.dirname).sort()) hash.update(readFileSync(join(import.meta.dirname, file)));
  return hash.digest("hex").slice(0, 12);
}

export function demoSeeder(now: Date) {
  return {
    name: `demo-${generatorHash()}-${now.toISOString().slice(0, 7)}`,
    async seed(db: PGlite) {
      await loadLagoData((text, params) => db.query(text, params), demoData(now));
    },
  };
}
