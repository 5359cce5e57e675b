// A PostgreSQL wire-protocol proxy for the tests of the Hyperdrive path: it stands where Hyperdrive
// stands (between the Worker's node-postgres and a real PostgreSQL) and gives each database name
// the controls the local Neon endpoint gives the HTTP path: statement counts, outages and faults.
// Every name is served from one real database (renamed in the startup message), so tests share a
// server but never each other's counts or outages. Dev/test tooling only: never in the Worker bundle.
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { withPassword } from "../db/migrated-database.ts";
import { type Fault, parseFault, SIMULATED_DETAIL } from "../neon-local/faults.ts";

export type PgProxy = {
  /** postgres:// URL of the proxy for one database name, e.g. for a Hyperdrive binding. */
  url(database: string): string;
  /** Base of the /__control/ routes (the same routes as the local Neon endpoint's). */
  controlUrl: string;
  close(): Promise<void>;
};

/** Faults that mean something on a socket; the HTTP-only ones (http_500, malformed_json) do not. */
export const WIRE_FAULTS = ["refused", "slow", "postgres_error"] as const;

type NameState = { statements: number; down: boolean; fault: Fault | undefined; sockets: Set<net.Socket> };

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
// BEGIN, COMMIT and ROLLBACK alone are bookkeeping, not statements (as the local Neon endpoint counts).
const BOOKKEEPING = /^\s*(BEGIN|COMMIT|ROLLBACK)\s*;?\s*$/i;

export async function startPgProxy(opts: { upstream: { host: string; port: number }; database: string; user: string }): Promise<PgProxy> {
  const names = new Map<string, NameState>();
  const state = (name: string) => {
    let s = names.get(name);
    if (!s) names.set(name, (s = { statements: 0, down: false, fault: undefined, sockets: new Set() }));
    return s;
  };

  const proxy = net.createServer((client) => {
    client.on("error", () => {});
    let pending = Buffer.alloc(0);
    const onStartup = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < 8) return;
      const length = pending.readInt32BE(0);
      if (pending.length < length) return;
      const code = pending.readInt32BE(4);
      const message = pending.subarray(0, length);
      pending = pending.subarray(length);
      if (code === SSL_REQUEST || code === GSS_REQUEST) {
        client.write("N"); // no TLS on loopback; the client goes on in plain text
        return onStartup(Buffer.alloc(0));
      }
      client.off("data", onStartup);
      if (code === CANCEL_REQUEST) return void client.destroy();
      const params = startupParams(message);
      const name = params.get("database") ?? params.get("user") ?? "";
      const s = state(name);
      if (s.down || s.fault?.kind === "refused") return void client.destroy();
      params.set("database", opts.database);
      params.set("user", opts.user);
      connectUpstream(client, s, startupMessage(params), pending);
    };
    client.on("data", onStartup);
  });

  function connectUpstream(client: net.Socket, s: NameState, startup: Buffer, rest: Buffer) {
    const upstream = net.connect(opts.upstream.port, opts.upstream.host);
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    s.sockets.add(client);
    client.on("close", () => s.sockets.delete(client));
    upstream.write(startup);
    upstream.pipe(client);
    // Client messages go through one at a time, in order: each may be counted, delayed or answered here.
    let chain = Promise.resolve();
    let buffered = rest;
    let swallowUntilSync = false;
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 5) {
        const length = buffered.readInt32BE(1);
        if (buffered.length < length + 1) break;
        const message = buffered.subarray(0, length + 1);
        buffered = buffered.subarray(length + 1);
        chain = chain.then(() => forward(message));
      }
    };
    const forward = async (message: Buffer) => {
      if (client.destroyed) return;
      const type = String.fromCharCode(message[0]!);
      const text = type === "Q" ? cString(message, 5) : type === "P" ? cString(message, 5 + cString(message, 5).length + 1) : undefined;
      const statement = text !== undefined && !BOOKKEEPING.test(text);
      if (statement) s.statements++;
      const fault = s.fault;
      if (fault?.kind === "slow" && text !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, fault.ms).unref());
        if (client.destroyed) return; // the client gave up meanwhile: nothing runs for nobody
      }
      if (fault?.kind === "refused" && text !== undefined) return void client.destroy();
      if (fault?.kind === "postgres_error" && (text !== undefined || swallowUntilSync)) {
        // Answered here, as PostgreSQL answers a failed statement: ErrorResponse, then (for the
        // extended protocol, at its Sync) ReadyForQuery.
        if (type === "Q") return void client.write(Buffer.concat([errorResponse(fault.code), readyForQuery()]));
        swallowUntilSync = type !== "S";
        if (type === "S") client.write(Buffer.concat([errorResponse(fault.code), readyForQuery()]));
        return;
      }
      upstream.write(message);
    };
    client.on("data", onData);
    if (rest.length) onData(Buffer.alloc(0));
  }

  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const port = (proxy.address() as AddressInfo).port;

  /**
   *   GET /__control/queries?database=NAME   -> {"count": statements NAME sent}
   *   PUT|DELETE /__control/outage?database=NAME -> NAME's connections are cut and refused / accepted again
   *   PUT /__control/fault?database=NAME&kind=KIND[&ms=N][&code=SQLSTATE] (KIND one of WIRE_FAULTS)
   *   DELETE /__control/fault?database=NAME
   */
  const control = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://control");
    const name = url.searchParams.get("database");
    const answer = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { "Content-Type": "application/json" });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (!name) return answer(400, { message: "database is required" });
    const s = state(name);
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /__control/queries") return answer(200, { count: s.statements });
    if (route === "PUT /__control/outage") {
      s.down = true;
      for (const socket of s.sockets) socket.destroy();
      return answer(204);
    }
    if (route === "DELETE /__control/outage" || route === "DELETE /__control/fault") {
      s.down = false;
      s.fault = undefined;
      return answer(204);
    }
    if (route === "PUT /__control/fault") {
      const fault = parseFault(url.searchParams);
      if (typeof fault === "string") return answer(400, { message: fault });
      if (!(WIRE_FAULTS as readonly string[]).includes(fault.kind)) return answer(400, { message: `kind must be one of ${WIRE_FAULTS.join(", ")}` });
      s.fault = fault;
      return answer(204);
    }
    answer(404, { message: "no such control route" });
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const controlPort = (control.address() as AddressInfo).port;

  return {
    url: (database) => withPassword(`postgres://${opts.user}@127.0.0.1:${port}/${database}`),
    controlUrl: `http://127.0.0.1:${controlPort}`,
    async close() {
      for (const s of names.values()) for (const socket of s.sockets) socket.destroy();
      await Promise.all([new Promise((r) => proxy.close(r)), new Promise((r) => control.close(r))]);
    },
  };
}

function cString(buffer: Buffer, start: number): string {
  const end = buffer.indexOf(0, start);
  return buffer.toString("utf8", start, end < 0 ? buffer.length : end);
}

function startupParams(message: Buffer): Map<string, string> {
  const params = new Map<string, string>();
  for (let at = 8; at < message.length - 1; ) {
    const key = cString(message, at);
    at += Buffer.byteLength(key) + 1;
    const value = cString(message, at);
    at += Buffer.byteLength(value) + 1;
    if (key) params.set(key, value);
  }
  return params;
}

function startupMessage(params: Map<string, string>): Buffer {
  const body = Buffer.concat([...[...params].flatMap(([k, v]) => [Buffer.from(`${k}\0${v}\0`)]), Buffer.from([0])]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(196608, 4); // protocol 3.0
  return Buffer.concat([head, body]);
}

function errorResponse(code: string): Buffer {
  const fields = Buffer.from(`SERROR\0VERROR\0C${code}\0M${SIMULATED_DETAIL}\0\0`);
  const head = Buffer.alloc(5);
  head.write("E", 0);
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

const readyForQuery = () => Buffer.from([0x5a, 0, 0, 0, 5, 0x49]); // 'Z', length 5, idle
