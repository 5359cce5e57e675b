// Where `npm run bench` and `npm run load` write their figures. By default an untracked file under
// .data/, so a trial run (a 10k-only bench, a short load) never rewrites the published results;
// `--update-docs` writes the tracked bench/results.md that docs/benchmarks.md links to.
import { mkdirSync } from "node:fs";
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
