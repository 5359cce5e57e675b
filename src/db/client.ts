import { neon, neonConfig, type NeonQueryFunction } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import type { Config } from "../config.ts";
import type { Database, DatabaseTiming } from "../env.ts";

export type DatabaseOptions = {
  /** Aborts every database call still running when it fires: the request's deadline. */
  signal?: AbortSignal;
  /** Adds up the time spent waiting for each call, for the request's log line. */
  timing?: DatabaseTiming;
};

export function createDatabase(config: Config, opts: DatabaseOptions = {}): Database {
  // neonConfig is global to the isolate; it is only ever set from this one place.
  if (config.neonFetchEndpoint) neonConfig.fetchEndpoint = config.neonFetchEndpoint;
  // fetchOptions are merged into every fetch the driver makes, so the signal covers the whole call:
  // connecting, waiting for the answer and reading its body.
  const client = neon(config.databaseUrl, opts.signal ? { fetchOptions: { signal: opts.signal } } : {});
  return drizzle({ client: opts.timing ? timed(client, opts.timing) : client });
}

type Client = NeonQueryFunction<false, false>;

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
  const tagged = ((strings: TemplateStringsArray, ...values: unknown[]) => client(strings, ...values)) as Client;
  return Object.assign(tagged, client, { query });
}
