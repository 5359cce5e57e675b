import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// test/types/lago-client.ts states, in types only, that our responses are assignable to the types of
// Lago's official JavaScript client; compiling it is the test.
describe("our response types against lago-javascript-client's", () => {
  it("compile: InvoicedUsages, InvoicedUsageObject, Usages and UsageObject accept our responses", () => {
    const root = join(import.meta.dirname, "..", "..");
    const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "test/types"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });
});
