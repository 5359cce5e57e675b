import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// No module of the Worker, the dashboard or the scripts imports itself back through others, type
// imports included (they are what kept an earlier cycle of 31 files alive unnoticed): dpdm reads the
// TypeScript sources as written, `import type` too.
const root = join(import.meta.dirname, "..", "..");
const ENTRIES = ["src/index.ts", "dashboard/main.ts", "scripts/start.ts", "scripts/test.ts", "scripts/bench/run.ts", "scripts/bench/rollups.ts", "scripts/load/run.ts"];

function cycles(entry: string): { status: number | null; output: string } {
  const dpdm = join(root, "node_modules", "dpdm", "lib", "bin", "dpdm.js");
  const run = spawnSync(process.execPath, [dpdm, "--no-warning", "--no-tree", "--exit-code", "circular:1", entry], { cwd: root, encoding: "utf8" });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe("import cycles", () => {
  it.each(ENTRIES)("none reachable from %s", (entry) => {
    const { status, output } = cycles(entry);
    expect(output).toContain("no circular dependency");
    expect(status).toBe(0);
  });

  it("a cycle of type imports alone is found", () => {
    const { status, output } = cycles("test/unit/fixtures/import-cycle/a.ts");
    expect(output).toMatch(/a\.ts -> .*b\.ts/);
    expect(status).toBe(1);
  });
});
