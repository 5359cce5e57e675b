import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { CloudflareSocket } from "pg-cloudflare";
import type { Database } from "../env.ts";
import { localSettings, timeInto, type DatabaseOptions, type OpenDatabase } from "./options.ts";

type Statement = pg.QueryConfig;

export const APPLICATION_NAME = "lago-edge-analytics";

/**
 * node-postgres through a Hyperdrive binding. Hyperdrive holds the pool next to the database, so the
 * Worker opens one connection per request (a Worker's socket cannot serve another request anyway):
 * at its first statement, ended once the request has released the handle and nothing runs on it.
 */
export function hyperdriveDatabase(connectionString: string, opts: DatabaseOptions): OpenDatabase {
  const { signal, deadline, timing } = opts;
  let connection: Promise<pg.Client> | undefined;
  let running = 0;
  let released = false;
  // The last COMMIT sent and not yet answered: the connection is ended only after it.
  let committing: Promise<unknown> = Promise.resolve();

  function open(): Promise<pg.Client> {
    connection ??= (async () => {
      // The socket named rather than left to pg's runtime sniffing, which picks a stub where a
      // bundler or test runner does not apply the "workerd" export condition to require().
      // application_name lets an operator find the service's sessions in pg_stat_activity.
      const client = new pg.Client({ connectionString, application_name: APPLICATION_NAME, stream: (config: { ssl?: unknown }) => new CloudflareSocket(Boolean(config.ssl)) } as pg.ClientConfig);
      // A dropped socket is reported here as well as to the statement that needed it.
      client.on("error", () => {});
      await client.connect();
      return client;
    })().catch((err: unknown) => {
      connection = undefined; // a later statement (a background refresh) may try again
      throw err;
    });
    return connection;
  }

  // abandon: the deadline passed, so a COMMIT still unanswered is not waited for (PostgreSQL rolls
  // back what the dropped connection left open).
  async function close(opts: { abandon?: boolean } = {}): Promise<void> {
    const current = connection;
    connection = undefined;
    if (!opts.abandon) await committing;
    await current?.then((client) => client.end()).catch(() => undefined);
  }

  // One statement's transaction at a time on the connection, so that two statements a request runs
  // side by side cannot interleave their BEGIN and COMMIT.
  let turn: Promise<unknown> = Promise.resolve();
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const mine = turn.then(work, work);
    turn = mine.catch(() => undefined);
    return mine;
  }

  async function run(client: pg.Client, statement: Statement, values?: unknown[]) {
    // BEGIN and the SET LOCALs go in one simple-protocol message (one round trip), so they hold for
    // this statement's transaction only: Hyperdrive lends its connections per transaction, and a
    // session-wide SET could reach another client's statements.
    await client.query(["BEGIN", ...localSettings(deadline)].join("; "));
    try {
      const result = await client.query(statement, values);
      // Not waited for: the answer is known, and node-postgres sends the next statement only after it
      // anyway. A failed COMMIT loses only a best-effort write (a stored zone month).
      committing = client.query("COMMIT").catch(() => undefined);
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    }
  }

  // Drizzle calls query(config, values) for every statement.
  const query = (statement: Statement, values?: unknown[]) =>
    timeInto(timing, async () => {
      running++;
      try {
        const work = exclusive(() => open().then((client) => run(client, statement, values)));
        return await abortable(signal, work, () => void close({ abandon: true }));
      } finally {
        running--;
        if (released && running === 0) await close();
      }
    });

  const db = drizzle({ client: { query } as unknown as pg.Client }) as unknown as Database;
  return Object.assign(db, {
    async release() {
      released = true;
      if (running === 0) await close();
    },
  });
}

/** `work`, or the signal's reason as soon as it fires (then onAbort() drops the connection). */
function abortable<T>(signal: AbortSignal | undefined, work: Promise<T>, onAbort: () => void): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    onAbort();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}
