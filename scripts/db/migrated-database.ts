// A database of its own on a real PostgreSQL server (the benchmark's, a test's), with every
// migration applied and, optionally, rows loaded before the connection closes.
import pg from "pg";
import type { BenchServer } from "../bench/postgres.ts";
import { migrationStatements } from "./migrations.ts";

export type Query = (text: string, params?: unknown[]) => Promise<unknown>;

export async function createMigratedDatabase(server: Pick<BenchServer, "url">, name: string, fill?: (query: Query) => Promise<unknown>): Promise<void> {
  const admin = new pg.Client(server.url("postgres"));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const db = new pg.Client(server.url(name));
  await db.connect();
  try {
    for (const statement of migrationStatements()) await db.query(statement);
    await fill?.((text, params) => db.query(text, params));
  } finally {
    await db.end();
  }
}

/** The URL with a password: Hyperdrive's bindings need one; a server that trusts loopback never asks for it. */
export const withPassword = (url: string) => url.replace(/^(postgres(?:ql)?:\/\/[^:@/]+)@/, "$1:local@");
