// A backend that answers every statement with fixed rows: for tests of the local endpoint's own
// routing (control routes, faults), where PostgreSQL itself is not under test.
import type { Backend, RawResult } from "../../scripts/neon-local/backends.ts";
import type { NeonLocal } from "../../scripts/neon-local/server.ts";

export function stubBackend(rows: RawResult["rows"] = []): Backend {
  return {
    async connect() {
      return {
        query: async () => ({ fields: [], rows, command: "SELECT", rowCount: rows.length }),
        exec: async () => {},
        inTransaction: () => false,
        release: () => {},
      };
    },
    close: async () => {},
  };
}

/** One `select 1` as the Neon driver would send it, for the given database name. */
export const queryDatabase = (server: NeonLocal, database: string) =>
  fetch(server.url, {
    method: "POST",
    body: JSON.stringify({ query: "select 1", params: [] }),
    headers: { "Neon-Connection-String": `postgres://u:p@db.localtest/${database}` },
  });
