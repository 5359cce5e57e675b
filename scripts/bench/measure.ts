// Timing: a few unmeasured warm-up runs, then `reps` sequential runs; median and p95 (nearest rank).

export type Timing = { reps: number; median: number; p95: number; samples: number[] };

export async function measure(reps: number, run: () => Promise<unknown>, warmup = 3): Promise<Timing> {
  return (await measureInterleaved(reps, [run], warmup))[0] as Timing;
}

/** Several measurements in rounds: each round runs every one of them once, in turn. */
export async function measureInterleaved(reps: number, runs: (() => Promise<unknown>)[], warmup = 3): Promise<Timing[]> {
  for (let i = 0; i < warmup; i++) for (const run of runs) await run();
  const samples: number[][] = runs.map(() => []);
  for (let i = 0; i < reps; i++) {
    for (const [j, run] of runs.entries()) {
      const started = performance.now();
      await run();
      samples[j]?.push(performance.now() - started);
    }
  }
  return samples.map((s) => stats(reps, s));
}

function stats(reps: number, samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
  const median = sorted.length % 2 === 1 ? rank(0.5) : ((sorted[sorted.length / 2 - 1] ?? NaN) + (sorted[sorted.length / 2] ?? NaN)) / 2;
  return { reps, median, p95: rank(0.95), samples };
}
