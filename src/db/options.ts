import type { Database, DatabaseTiming } from "../env.ts";

// What both database paths (neon-http.ts, hyperdrive.ts) take and give.
export type DatabaseOptions = {
  /** Aborts every database call still running when it fires: the request's deadline. */
  signal?: AbortSignal;
  /**
   * The same deadline (ms since the epoch), enforced inside PostgreSQL too: each statement runs with
   * a statement_timeout of the time left, so a request that gives up leaves nothing running there.
   */
  deadline?: number;
  /** Adds up the time spent waiting for each call, for the request's log line. */
  timing?: DatabaseTiming;
};

/** A database handle for one request (or one cron run); release() once nothing will use it again. */
export type OpenDatabase = Database & {
  /** Closes what the handle holds open (Hyperdrive's connection) once its statements are done. */
  release(): Promise<void>;
};

/** Time this statement's wait into `timing` (failed or not). */
export function timeInto<T>(timing: DatabaseTiming | undefined, work: () => Promise<T>): Promise<T> {
  if (!timing) return work();
  const started = Date.now();
  timing.queries++;
  const done = () => void (timing.ms += Date.now() - started);
  return work().then(
    (result) => (done(), result),
    (err: unknown) => {
      done();
      throw err;
    },
  );
}

/** The statement_timeout (ms) for a statement starting now: the time the deadline leaves, at least 1. */
export const msLeft = (deadline: number) => Math.max(1, Math.ceil(deadline - Date.now()));

/**
 * What every statement of the service runs with, set in its own transaction only (so Lago's sessions
 * and Hyperdrive's other clients are untouched, and nothing is asked of the operator): JIT off, and
 * the deadline's statement_timeout when there is one. PostgreSQL turns JIT on by default and
 * compiles any statement whose estimated cost passes jit_above_cost; the service's statements are
 * index lookups on large tables, estimated high and run in milliseconds, so compiling them cost up
 * to a second each for nothing (docs/database-paths.md, "JIT"). SET LOCAL rather than a SELECT of
 * set_config(): a utility statement is never compiled itself. The values are ours, never input.
 */
export function localSettings(deadline: number | undefined): string[] {
  const settings = ["SET LOCAL jit = off"];
  if (deadline !== undefined) settings.push(`SET LOCAL statement_timeout = ${msLeft(deadline)}`);
  return settings;
}
