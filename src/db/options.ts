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
