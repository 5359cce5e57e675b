// What the rollup benchmark (scripts/bench/rollups.ts) keeps of each cron run and each build.
import type { RefreshReport } from "../../src/rollups/refresh.ts";

export type Run = { ms: number; recomputed: number; left: number; collecting: number };
/** `spent`: ms collecting and recomputing each kind, and buckets of each kind, over every run. */
export type Build = { seconds: number; runs: Run[]; spent: { collectMs: number; kinds: Record<string, { ms: number; buckets: number }> } };

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
export const runOf = (ms: number, r: RefreshReport): Run => ({ ms, recomputed: sum(r.recomputed), left: sum(r.left), collecting: r.collecting.length });
export const newSpent = (): Build["spent"] => ({ collectMs: 0, kinds: {} });
export function addSpent(spent: Build["spent"], r: RefreshReport): void {
  spent.collectMs += r.collectMs;
  for (const [kind, ms] of Object.entries(r.recomputeMs)) {
    const k = (spent.kinds[kind] ??= { ms: 0, buckets: 0 });
    k.ms += ms;
    k.buckets += r.recomputed[kind as keyof RefreshReport["recomputed"]];
  }
}
