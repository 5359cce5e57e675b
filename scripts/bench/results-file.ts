// Where `npm run bench` and `npm run load` write their figures. By default an untracked file under
// .data/, so a trial run (a 10k-only bench, a short load) never rewrites the published results;
// `--update-docs` writes the tracked bench/results.md that docs/benchmarks.md links to.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const root = join(import.meta.dirname, "..", "..");
export const PUBLISHED_RESULTS = join(root, "bench", "results.md");
export const LOCAL_RESULTS = join(root, ".data", "bench-results.md");

/** The file to write, its directory created; `shown` is the path relative to the project. */
export function resultsFile(updateDocs: boolean): { path: string; shown: string } {
  const path = updateDocs ? PUBLISHED_RESULTS : LOCAL_RESULTS;
  mkdirSync(dirname(path), { recursive: true });
  return { path, shown: relative(root, path) };
}

/** The markers around a section another command writes into the results file. */
export const sectionMarkers = (name: string, writer: string) => ({
  start: `<!-- ${name}:start (written by ${writer}; keep these markers) -->`,
  end: `<!-- ${name}:end -->`,
});

/** Replaces the section `name` of `file` (or appends it), leaving the rest of the file as it was. */
export function writeSection(file: string, name: string, writer: string, section: string): void {
  const { start, end } = sectionMarkers(name, writer);
  const block = `${start}\n${section}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  writeFileSync(file, from >= 0 && to > from
    ? `${current.slice(0, from)}${block}${current.slice(to + end.length)}`
    : `${current.trimEnd()}${current.trim() ? "\n\n" : ""}${block}\n`);
}

/** The sections other commands wrote into `text` (with their markers), to be kept when the rest is rewritten. */
export function writtenSections(text: string): string[] {
  return [...text.matchAll(/<!-- ([a-z]+):start [^\n]*-->[\s\S]*?<!-- \1:end -->/g)].map((m) => m[0]);
}
