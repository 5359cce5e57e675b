import { neon, neonConfig, type NeonQueryFunction } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import type { DatabasePath } from "../config.ts";
import { localSettings, timeInto, type DatabaseOptions, type OpenDatabase } from "./options.ts";

type NeonPath = Extract<DatabasePath, { driver: "neon-http" }>;
type Client = NeonQueryFunction<false, false>;

/** Neon's HTTP driver: each statement is one HTTPS request, nothing stays open between them. */
export function neonHttpDatabase(path: NeonPath, opts: DatabaseOptions): OpenDatabase {
  // neonConfig is global to the isolate; it is only ever set from this one place.
  if (path.fetchEndpoint) neonConfig.fetchEndpoint = path.fetchEndpoint;
  // fetchOptions are merged into every fetch the driver makes, so the signal covers the whole call:
  // connecting, waiting for the answer and reading its body.
  const client = neon(path.url, opts.signal ? { fetchOptions: { signal: opts.signal } } : {});
  const { deadline, timing } = opts;
  const query = ((text: string, params?: unknown[], options?: { arrayMode?: boolean; fullResults?: boolean }) =>
    timeInto(timing, () => {
      // The local settings, then the statement, in one transaction of the same HTTP request (no
      // extra round trip). Lock waits count against the timeout too; PostgreSQL cancels the
      // statement (57014).
      const settings = localSettings(deadline).map((setting) => client.query(setting));
      return client
        .transaction([...settings, client.query(text, params)], {
          arrayMode: options?.arrayMode ?? false,
          fullResults: options?.fullResults ?? false,
        })
        .then((results) => results[settings.length]);
    })) as Client["query"];
  // Drizzle sends every statement through client.query(); the tagged-template form stays the driver's.
  const tagged = ((strings: TemplateStringsArray, ...values: unknown[]) => client(strings, ...values)) as Client;
  const db = drizzle({ client: Object.assign(tagged, client, { query }) });
  return Object.assign(db, { release: () => Promise.resolve() });
}
