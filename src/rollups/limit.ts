// Running a run's statements side by side, within the number it may have in flight at once.

/** At most `n` calls of the returned function's tasks run at once; the others wait their turn. */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active < n) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // the slot is handed over as is
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/**
 * Runs the tasks at once and waits for every one of them to end (none is left using the connection
 * when the run goes on), then throws the first error, if any.
 */
export async function settleAll(tasks: (() => Promise<unknown>)[]): Promise<void> {
  const ended = await Promise.allSettled(tasks.map((task) => task()));
  const error = ended.find((e): e is PromiseRejectedResult => e.status === "rejected");
  if (error) throw error.reason;
}
