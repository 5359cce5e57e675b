import type { Config } from "../config.ts";
import { hyperdriveDatabase } from "./hyperdrive.ts";
import { neonHttpDatabase } from "./neon-http.ts";
import type { DatabaseOptions, OpenDatabase } from "./options.ts";

export type { DatabaseOptions, OpenDatabase };

/** The configured path (docs/database-paths.md): Hyperdrive when bound, else Neon's HTTP driver. */
export function createDatabase(config: Config, opts: DatabaseOptions = {}): OpenDatabase {
  const path = config.database;
  return path.driver === "hyperdrive" ? hyperdriveDatabase(path.connectionString, opts) : neonHttpDatabase(path, opts);
}
