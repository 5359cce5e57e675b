// Bulk loading through COPY: generator rows are written in COPY's text format into `psql`'s standard
// input (node-postgres has no COPY FROM STDIN of its own), about ten times faster than INSERTs.
import { spawn } from "node:child_process";
import type { Row } from "../seed/generate.ts";

const COLUMN = /^[a-z_][a-z0-9_]*$/;

/** One value in COPY text format: \N for NULL, JSON for objects, backslash escapes for the rest. */
export function copyValue(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

export type CopyStream = { write(row: Row): Promise<void>; end(): Promise<void> };

/** A COPY into `table` of exactly `columns`, through psql connected to `url`. */
export function copyInto(url: string, table: string, columns: readonly string[]): CopyStream {
  for (const name of [table, ...columns]) if (!COLUMN.test(name)) throw new Error(`invalid identifier: ${name}`);
  const statement = `COPY "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) FROM STDIN`;
  const psql = spawn("psql", [url, "-v", "ON_ERROR_STOP=1", "-q", "-c", statement], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  psql.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve, reject) => {
    psql.on("error", reject);
    psql.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`COPY ${table} failed: ${stderr.trim()}`))));
  });
  exited.catch(() => {}); // reported by end()
  let buffer: string[] = [];
  let size = 0;
  const flush = async () => {
    if (buffer.length === 0) return;
    const chunk = buffer.join("");
    buffer = [];
    size = 0;
    if (!psql.stdin.write(chunk)) await new Promise<void>((resolve) => psql.stdin.once("drain", () => resolve()));
  };
  return {
    async write(row) {
      const line = `${columns.map((c) => copyValue(row[c])).join("\t")}\n`;
      buffer.push(line);
      size += line.length;
      if (size > 1 << 20) await flush();
    },
    async end() {
      await flush();
      psql.stdin.end();
      await exited;
    },
  };
}
