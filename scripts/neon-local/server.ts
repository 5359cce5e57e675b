// A local stand-in for Neon's HTTP SQL endpoint (what `neon()` from @neondatabase/serverless
// POSTs to), so the Worker can run against PGlite or a local Postgres in dev and tests.
// Dev/test tooling only: never imported by the Worker bundle.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Backend, RawResult } from "./backends.ts";
import { type Fault, faultAfter, faultBefore, parseFault, type Reply } from "./faults.ts";

export type NeonLocal = {
  url: string; // e.g. http://127.0.0.1:PORT/sql, for neonConfig.fetchEndpoint
  port: number;
  /** Statements run on behalf of clients (BEGIN/COMMIT/ROLLBACK bookkeeping is not counted). */
  queryCount(): number;
  /** The same, for one database name (the path of the Neon-Connection-String). */
  queryCountFor(database: string): number;
  /** Stops the HTTP server. The backend stays open: whoever created it closes it. */
  close(): Promise<void>;
};

type Query = { query: string; params: unknown[]; arrayMode: boolean | undefined };

class HttpError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

// The error fields Neon copies from Postgres' ErrorResponse (the driver reads the same list).
const ERROR_FIELDS = ["severity", "code", "detail", "hint", "position", "internalPosition",
  "internalQuery", "where", "schema", "table", "column", "dataType", "constraint", "file", "line",
  "routine"] as const;
// Neon-Batch-Isolation-Level values the proxy accepts; anything else is a 400.
const ISOLATION: Record<string, string> = { Serializable: "SERIALIZABLE",
  RepeatableRead: "REPEATABLE READ", ReadCommitted: "READ COMMITTED", ReadUncommitted: "READ UNCOMMITTED" };
const MAX_BODY = 10 * 1024 * 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
// Postgres errors carry a SQLSTATE and severity; PGlite's error class is not pg's DatabaseError.
const isDbError = (e: unknown): e is Record<string, unknown> =>
  isObject(e) && typeof e.code === "string" && typeof e.severity === "string";

function parseQuery(v: unknown): Query {
  if (!isObject(v) || typeof v.query !== "string")
    throw new HttpError(400, "could not parse the HTTP request body: missing field `query`");
  if (v.params !== undefined && v.params !== null && !Array.isArray(v.params))
    throw new HttpError(400, "could not parse the HTTP request body: `params` must be an array");
  const arrayMode = typeof v.arrayMode === "boolean" ? v.arrayMode : undefined;
  return { query: v.query, params: (v.params as unknown[] | null) ?? [], arrayMode };
}

function parsePayload(text: string): Query | Query[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `could not parse the HTTP request body: ${(err as Error).message}`);
  }
  // Like Neon's untagged enum: a single query first, then a batch.
  if (isObject(body) && typeof body.query !== "string" && Array.isArray(body.queries))
    return body.queries.map(parseQuery);
  return parseQuery(body);
}

function shape(r: RawResult, arrayMode: boolean) {
  const fields = r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID, tableID: f.tableID,
    columnID: f.columnID, dataTypeSize: f.dataTypeSize, dataTypeModifier: f.dataTypeModifier, format: "text" }));
  const rows = arrayMode ? r.rows
    : r.rows.map((row) => Object.fromEntries(fields.map((f, i) => [f.name, row[i] ?? null])));
  return { fields, rows, command: r.command, rowCount: r.rowCount, rowAsArray: arrayMode };
}

// The BEGIN for a batch, from the Neon-Batch-* headers (only the exact value "true" counts, as in
// Neon), and the headers Neon echoes back to say which settings it applied.
function batchMode(h: http.IncomingHttpHeaders): { begin: string; echo: Record<string, string> } {
  const iso = h["neon-batch-isolation-level"];
  if (iso !== undefined && (typeof iso !== "string" || !(iso in ISOLATION)))
    throw new HttpError(400, "invalid isolation level");
  const echo: Record<string, string> = {};
  if (iso !== undefined) echo["Neon-Batch-Isolation-Level"] = iso;
  if (h["neon-batch-read-only"] === "true") echo["Neon-Batch-Read-Only"] = "true";
  if (h["neon-batch-deferrable"] === "true") echo["Neon-Batch-Deferrable"] = "true";
  const modes = [iso === undefined ? "" : `ISOLATION LEVEL ${ISOLATION[iso]}`,
    echo["Neon-Batch-Read-Only"] ? "READ ONLY" : "", echo["Neon-Batch-Deferrable"] ? "DEFERRABLE" : ""];
  return { begin: `BEGIN ${modes.filter(Boolean).join(", ")}`.trim(), echo };
}

// The database name of a connection string ('' when it has none), e.g. "lago" for postgres://u:p@h/lago.
function databaseName(conn: string): string {
  try {
    return decodeURIComponent(new URL(conn).pathname.replace(/^\//, ""));
  } catch {
    return "";
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, `request is too large (max is ${MAX_BODY} bytes)`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * `control: true` (tests only) adds routes that let a test observe and break one database name
 * without touching the others running concurrently against the same endpoint; the name is only a
 * label, every name serves the same backend:
 *   GET /__control/queries?database=NAME   -> {"count": statements run for NAME}
 *   PUT /__control/outage?database=NAME    -> requests for NAME answer HTTP 503, as a proxy whose
 *                                             database is down would (the driver's transport error)
 *   DELETE /__control/outage?database=NAME -> NAME answers again
 *   PUT /__control/fault?database=NAME&kind=KIND[&ms=N][&code=SQLSTATE]
 *                                          -> requests for NAME meet that fault (faults.ts): refused,
 *                                             slow, http_500, malformed_json, postgres_error, unavailable
 *   DELETE /__control/fault?database=NAME  -> NAME answers again (the same as lifting an outage)
 */
export async function startNeonLocal(opts: { backend: Backend; port?: number; control?: boolean }): Promise<NeonLocal> {
  const { backend } = opts;
  let count = 0;
  const countByDatabase = new Map<string, number>();
  const faults = new Map<string, Fault>();

  // One session per request; a batch is one transaction on it. Sessions are exclusive, which
  // is what serializes requests on PGlite's single connection.
  async function run(database: string, queries: Query[], arrayMode: boolean, begin?: string) {
    const s = await backend.connect();
    let destroy = false;
    try {
      if (begin !== undefined) await s.query(begin);
      const results = [];
      for (const q of queries) {
        count++;
        countByDatabase.set(database, (countByDatabase.get(database) ?? 0) + 1);
        results.push(shape(await s.query(q.query, q.params), q.arrayMode ?? arrayMode));
      }
      if (begin !== undefined) await s.query("COMMIT");
      return results;
    } catch (err) {
      destroy = !isDbError(err);
      throw err;
    } finally {
      // A failed batch, or a lone statement that left a transaction open (a bare BEGIN), must not
      // leak into the next request: Neon discards such connections; we roll back.
      if (!destroy && s.inTransaction()) await s.query("ROLLBACK").catch(() => (destroy = true));
      s.release(destroy);
    }
  }

  function control(req: http.IncomingMessage, url: URL): Reply {
    const database = url.searchParams.get("database");
    if (!database) return { status: 400, body: { message: "missing ?database=" } };
    if (url.pathname === "/__control/queries" && req.method === "GET")
      return { status: 200, body: { count: countByDatabase.get(database) ?? 0 } };
    if (url.pathname === "/__control/outage" && req.method === "PUT") {
      return (faults.set(database, { kind: "unavailable", ms: 0, code: "" }), { status: 204 });
    }
    if (url.pathname === "/__control/fault" && req.method === "PUT") {
      const fault = parseFault(url.searchParams);
      if (typeof fault === "string") return { status: 400, body: { message: fault } };
      return (faults.set(database, fault), { status: 204 });
    }
    if (/^\/__control\/(outage|fault)$/.test(url.pathname) && req.method === "DELETE") {
      return (faults.delete(database), { status: 204 });
    }
    return { status: 404, body: { message: "unknown control route" } };
  }

  async function handle(req: http.IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? "/", "http://neon-local");
    if (opts.control && url.pathname.startsWith("/__control/")) return control(req, url);
    if (req.method === "OPTIONS") {
      const allow = req.headers["access-control-request-headers"] ?? "*";
      return { status: 204, headers: { "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": allow, "Access-Control-Max-Age": "86400" } };
    }
    if (req.method !== "POST") return { status: 405, body: { message: "method not allowed, use POST" } };
    const h = req.headers;
    const conn = h["neon-connection-string"];
    if (typeof conn !== "string") throw new HttpError(400, "invalid header: neon-connection-string");
    if (!/^postgres(ql)?:\/\//.test(conn)) throw new HttpError(400, "incorrect scheme");
    const database = databaseName(conn);
    const fault = faults.get(database);
    const early = await faultBefore(fault, req);
    if (early) return early;
    const payload = parsePayload(await readBody(req));
    const arrayMode = h["neon-array-mode"] === "true";
    if (!Array.isArray(payload)) return faultAfter(fault, { status: 200, body: (await run(database, [payload], arrayMode))[0] });

    const { begin, echo } = batchMode(h);
    const results = await run(database, payload, arrayMode, begin);
    return faultAfter(fault, { status: 200, body: { results }, headers: echo });
  }

  function errorReply(err: unknown): Reply {
    if (err instanceof HttpError) return { status: err.status, body: { message: err.message } };
    if (isDbError(err)) {
      const body: Record<string, unknown> = { message: err.message };
      for (const k of ERROR_FIELDS) if (err[k] !== undefined && err[k] !== null) body[k] = err[k];
      return { status: 400, body };
    }
    return { status: 500, body: { message: String((err as Error)?.message ?? err) } };
  }

  const server = http.createServer((req, res) => {
    handle(req).catch(errorReply).then((reply) => {
      if (reply.drop) return void req.socket.end();
      const headers: Record<string, string | number> = { "Access-Control-Allow-Origin": "*", ...reply.headers };
      if (reply.body === undefined && reply.raw === undefined) return void res.writeHead(reply.status, headers).end();
      const text = reply.raw ?? JSON.stringify(reply.body);
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = Buffer.byteLength(text);
      res.writeHead(reply.status, headers).end(text);
    });
  });

  // Loopback only: this endpoint runs arbitrary SQL without authentication.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/sql`,
    port,
    queryCount: () => count,
    queryCountFor: (database) => countByDatabase.get(database) ?? 0,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // keep-alive sockets (undici's fetch) would hold close() open
      await closed;
    },
  };
}
