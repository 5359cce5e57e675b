// bench/results.md is shared with the benchmark: the load run may only ever replace its own section.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { END_MARKER, type LoadReport, START_MARKER, writeLoadSection } from "../../scripts/load/report.ts";

const report = (requests: number): LoadReport => ({
  command: "npm run load",
  machine: "2 cores",
  connections: 10,
  duration: 10,
  results: [{ endpoint: "usage", path: "/u", mode: "cached", requests, perSecond: 100, p50: 1, p90: 2, p99: 3, max: 4, errors: 0, non2xx: 0 }],
});
const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), "results-")), "results.md");
  writeFileSync(path, text);
  return path;
};

describe("the load section of bench/results.md", () => {
  it("is appended after the benchmark's content the first time", () => {
    const path = file("# Benchmark results\n\n| a | b |\n");
    writeLoadSection(path, report(1));
    const text = readFileSync(path, "utf8");
    expect(text.startsWith("# Benchmark results\n\n| a | b |\n\n")).toBe(true);
    expect(text).toContain(START_MARKER);
    expect(text).toContain("| usage | cached | 1 |");
  });

  it("is replaced in place afterwards, leaving everything around it as it was", () => {
    const path = file(`# Benchmark results\n\nbefore\n\n${START_MARKER}\nold figures\n${END_MARKER}\n\nafter\n`);
    writeLoadSection(path, report(2));
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain("old figures");
    expect(text).toContain("| usage | cached | 2 |");
    expect(text.startsWith("# Benchmark results\n\nbefore\n\n")).toBe(true);
    expect(text.endsWith(`${END_MARKER}\n\nafter\n`)).toBe(true);
  });
});
