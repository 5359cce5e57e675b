import type { Context } from "hono";

/**
 * Work that must not delay the response (cache writes, refreshes) goes to executionCtx.waitUntil,
 * which keeps the isolate alive until it settles. Callers catch their own errors.
 */
export function deferrer(c: Context): (work: Promise<unknown>) => void {
  return (work) => {
    try {
      c.executionCtx.waitUntil(work);
    } catch {
      // No execution context (app.request() without one): the work still runs, just unawaited.
    }
  };
}
