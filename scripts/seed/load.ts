// Loads generator batches with one parameterised statement per batch: the rows travel as a single
// JSON parameter, so a 1000-row batch costs one round trip and needs no placeholder arithmetic.
import { LAGO_TABLES, type LagoTable, type Row } from "./generate.ts";

export type Query = (text: string, params: unknown[]) => Promise<unknown>;

const ALLOWED_TABLES: ReadonlySet<string> = new Set(LAGO_TABLES);
const COLUMN = /^[a-z_][a-z0-9_]*$/;

/**
 * Inserts every batch in order and returns the number of rows per table. Only the columns present in
 * a batch are listed, so the others take their column defaults (json_populate_recordset alone would
 * give them NULL). A key missing from some rows of a batch is NULL for those rows.
 */
export async function loadLagoData(query: Query, data: Iterable<{ table: string; rows: Row[] }>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table, rows } of data) {
    if (rows.length === 0) continue;
    await query(insertStatement(table, rows), [JSON.stringify(rows)]);
    counts[table] = (counts[table] ?? 0) + rows.length;
  }
  return counts;
}

/** The INSERT for one batch; identifiers are checked against the allow-list and a strict pattern. */
export function insertStatement(table: string, rows: readonly Row[]): string {
  if (!ALLOWED_TABLES.has(table)) throw new Error(`not a generated Lago table: ${JSON.stringify(table)}`);
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const bad = columns.find((c) => !COLUMN.test(c));
  if (bad !== undefined) throw new Error(`invalid column name: ${JSON.stringify(bad)}`);
  const list = columns.map((c) => `"${c}"`).join(", ");
  const t = `"${table as LagoTable}"`;
  return `INSERT INTO ${t} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${t}, $1::json)`;
}
