import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import type { Config } from "../config.ts";
import type { Database } from "../env.ts";

export function createDatabase(config: Config): Database {
  // neonConfig is global to the isolate; it is only ever set from this one place.
  if (config.neonFetchEndpoint) neonConfig.fetchEndpoint = config.neonFetchEndpoint;
  return drizzle({ client: neon(config.databaseUrl) });
}
