// bench/results.md is shared by the benchmark, the load run and the build bench: each may only ever replace its own section.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sectionMarkers, writtenSections } from "../../scripts/bench/results-file.ts";
import { type LoadReport, writeLoadSection } from "../../scripts/load/report.ts";

const { start: START_MARKER, end: END_MARKER } = sectionMarkers("load", "npm run load");

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

  it("is found, with the build bench's, by the benchmark that rewrites the rest of the file", () => {
    const rollups = sectionMarkers("rollups", "npm run bench:rollups");
    const text = `# Benchmark results\n\n| a |\n\n${START_MARKER}\nload figures\n${END_MARKER}\n\nloose text\n\n${rollups.start}\nbuild figures\n${rollups.end}\n`;
    expect(writtenSections(text)).toEqual([
      `${START_MARKER}\nload figures\n${END_MARKER}`,
      `${rollups.start}\nbuild figures\n${rollups.end}`,
    ]);
  });
});
