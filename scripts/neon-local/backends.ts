// Database backends for the local Neon HTTP endpoint. Both speak to Postgres through `pg`, so the
// column metadata (type OIDs, table/column ids, sizes, modifiers) comes straight from the wire
// protocol's RowDescription, exactly what Neon's proxy forwards.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import pg from "pg";
import type { FieldDef, QueryArrayConfig, CustomTypesConfig } from "pg";
import { PGlite } from "@electric-sql/pglite";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";

export type RawResult = {
  fields: FieldDef[];
  rows: (string | null)[][];
  command: string;
  rowCount: number | null;
};

/** One connection, held exclusively until release(). */
export interface Session {
  /** One statement, extended protocol (like Neon), every value left as Postgres text. */
  query(text: string, params?: unknown[]): Promise<RawResult>;
  /** Simple protocol, may hold several statements (migrations, seeds). */
  exec(sql: string): Promise<void>;
  /** True when the connection sits inside an open (or failed) transaction block. */
  inTransaction(): boolean;
  /** destroy=true: the connection is suspect (not a plain SQL error), do not reuse it. */
  release(destroy?: boolean): void;
}

export interface Backend {
  connect(): Promise<Session>;
  close(): Promise<void>;
}

// Every type parser returns the raw string: the HTTP answer must carry Postgres text format.
// Set on the client, not per query: pg forwards a per-query `types` into the Parse message, and
// PGlite's serializer then crashes on it (`e.types?.forEach is not a function`).
const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as CustomTypesConfig;

function session(client: pg.ClientBase, release: (destroy?: boolean) => void): Session {
  return {
    async query(text, params = []) {
      // queryMode "extended" even without params, so a multi-statement string is rejected
      // (42601) as Neon rejects it, instead of silently running in simple mode.
      const config = { text, values: params, rowMode: "array", queryMode: "extended" };
      const r = await client.query(config as QueryArrayConfig);
      return { fields: r.fields, rows: r.rows, command: r.command ?? "", rowCount: r.rowCount ?? null };
    },
    async exec(sql) {
      await client.query(sql);
    },
    inTransaction: () => {
      const status = (client as pg.Client).getTransactionStatus();
      return status === "T" || status === "E";
    },
    release,
  };
}

/** PGlite in-process (PostgreSQL in WASM). It has a single connection, so sessions are queued. */
export function pgliteBackend(opts: { dataDir?: string } = {}): Backend {
  let opened: Promise<{ db: PGlite; client: pg.Client }> | undefined;
  let lock: Promise<void> = Promise.resolve();

  async function open() {
    const dir = opts.dataDir ?? "memory://";
    // PGlite.create does not create parent directories of a plain filesystem path.
    if (!dir.includes("://")) mkdirSync(dirname(dir), { recursive: true });
    const db = await PGlite.create(dir);
    const config = Object.assign(createPgConfig(db), { types: RAW_TEXT });
    const client = new pg.Client(config as unknown as pg.ClientConfig);
    await client.connect();
    return { db, client };
  }

  return {
    async connect() {
      const previous = lock;
      let unlock = () => {};
      lock = new Promise<void>((resolve) => (unlock = resolve));
      await previous;
      try {
        const { client } = await (opened ??= open());
        return session(client, unlock);
      } catch (err) {
        opened = undefined; // let a later call retry opening
        unlock();
        throw err;
      }
    },
    async close() {
      // Taken synchronously, so a second close() (server owner and test teardown) is a no-op.
      const current = opened;
      opened = undefined;
      const handle = await current?.catch(() => undefined);
      if (!handle) return;
      const { db, client } = handle;
      await lock; // let queued work finish before the database goes away
      await client.end();
      await db.close();
    },
  };
}

/** Any PostgreSQL server, through a connection pool (a real server handles concurrency itself). */
export function postgresBackend(url: string, opts: { max?: number } = {}): Backend {
  let closing: Promise<void> | undefined;
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, types: RAW_TEXT });
  // An idle client dying (server restart) must not crash the dev server.
  pool.on("error", (err) => console.error("neon-local: idle connection error:", err.message));
  return {
    async connect() {
      const client = await pool.connect();
      return session(client, (destroy) => client.release(destroy === true));
    },
    close: () => (closing ??= pool.end()), // idempotent: pg.Pool throws on a second end()
  };
}

/**
 * Runs a multi-statement SQL script (e.g. a drizzle-kit migration, whose statements are
 * separated by `--> statement-breakpoint`) in one transaction: all of it or none of it.
 */
export async function execScript(backend: Backend, sql: string): Promise<void> {
  const s = await backend.connect();
  try {
    await s.exec("BEGIN");
    try {
      for (const chunk of sql.split("--> statement-breakpoint")) {
        if (chunk.trim()) await s.exec(chunk);
      }
      await s.exec("COMMIT");
    } catch (err) {
      await s.exec("ROLLBACK");
      throw err;
    }
  } finally {
    s.release();
  }
}
