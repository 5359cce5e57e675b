import { neon, neonConfig, type NeonQueryFunction } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import type { Config } from "../config.ts";
import type { Database, DatabaseTiming } from "../env.ts";

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

export function createDatabase(config: Config, opts: DatabaseOptions = {}): Database {
  // neonConfig is global to the isolate; it is only ever set from this one place.
  if (config.neonFetchEndpoint) neonConfig.fetchEndpoint = config.neonFetchEndpoint;
  // fetchOptions are merged into every fetch the driver makes, so the signal covers the whole call:
  // connecting, waiting for the answer and reading its body.
  const neonClient = neon(config.databaseUrl, opts.signal ? { fetchOptions: { signal: opts.signal } } : {});
  const client = opts.deadline === undefined ? neonClient : bounded(neonClient, opts.deadline);
  return drizzle({ client: opts.timing ? timed(client, opts.timing) : client });
}

type Client = NeonQueryFunction<false, false>;

// Each statement goes out as a two-statement transaction in the same HTTP request (no extra round
// trip): SET LOCAL statement_timeout (as set_config, so the value is a bound parameter), then the
// statement. Lock waits count against the timeout too; PostgreSQL cancels the statement (57014).
function bounded(client: Client, deadline: number): Client {
  const query = ((text: string, params?: unknown[], options?: { arrayMode?: boolean; fullResults?: boolean }) => {
    const ms = Math.max(1, Math.ceil(deadline - Date.now()));
    return client
      .transaction([client.query("SELECT set_config('statement_timeout', $1, true)", [String(ms)]), client.query(text, params)], {
        arrayMode: options?.arrayMode ?? false,
        fullResults: options?.fullResults ?? false,
      })
      .then((results) => results[1]);
  }) as Client["query"];
  return withQuery(client, query);
}

// Drizzle sends every statement through client.query(); the wrapper times each one, failed or not.
function timed(client: Client, timing: DatabaseTiming): Client {
  const query = ((text: string, params?: unknown[], options?: object) => {
    const started = Date.now();
    timing.queries++;
    const done = () => void (timing.ms += Date.now() - started);
    return client.query(text, params, options).then(
      (result) => (done(), result),
      (err: unknown) => {
        done();
        throw err;
      },
    );
  }) as Client["query"];
  return withQuery(client, query);
}

/** `client` with its query() replaced: Drizzle sends every statement through client.query(). */
function withQuery(client: Client, query: Client["query"]): Client {
  const tagged = ((strings: TemplateStringsArray, ...values: unknown[]) => client(strings, ...values)) as Client;
  return Object.assign(tagged, client, { query });
}
