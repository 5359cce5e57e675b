// The local Neon endpoint, exercised through the real driver (`neon()` over fetch) on PGlite, so
// what passes here is what the Worker will see.
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { neon, neonConfig, NeonDbError } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execScript, pgliteBackend, type Backend } from "../../scripts/neon-local/backends.ts";
import { startNeonLocal, type NeonLocal } from "../../scripts/neon-local/server.ts";

const CONN = "postgres://user:pass@localhost.localdomain/db"; // host ignored by the local endpoint
let backend: Backend;
let server: NeonLocal;
const sql = neon(CONN);

beforeAll(async () => {
  backend = pgliteBackend();
  server = await startNeonLocal({ backend });
  neonConfig.fetchEndpoint = server.url;
  await sql`select 1`; // PGlite boots lazily: pay the seconds here, not in the first test
}, 60_000);
afterAll(async () => {
  await server?.close();
  await backend?.close();
});

async function dbError(p: Promise<unknown>): Promise<NeonDbError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(NeonDbError);
  return err as NeonDbError;
}
const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(server.url, { method: "POST", body, headers: { "Neon-Connection-String": CONN, ...headers } });

describe("neon-local", () => {
  it("listens on 127.0.0.1 only", async () => {
    expect(new URL(server.url).hostname).toBe("127.0.0.1");
    const others = Object.values(networkInterfaces()).flat()
      .filter((a) => a !== undefined && !a.internal && a.family === "IPv4").map((a) => a!.address);
    for (const host of [...others, "::1"]) {
      const reached = await new Promise<boolean>((resolve) => {
        const socket = connect({ host, port: server.port }, () => (socket.destroy(), resolve(true)));
        socket.on("error", () => resolve(false));
      });
      expect(reached, host).toBe(false);
    }
  });

  it("returns Postgres types that the driver parses to the right JS values", async () => {
    const [row] = await sql`select 42::int4 as i4, 9007199254740993::int8 as i8,
      12345678901234567890.123456789012345678901::numeric as num, 'héllo "q"'::text as txt,
      true as yes, false as no, '2024-01-15'::date as d, '2024-01-15 10:30:00.123'::timestamp as ts,
      '2024-01-15 10:30:00+02'::timestamptz as tstz, '{"a":[1,{"b":null}]}'::jsonb as j,
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as id, array[1,2,3]::int4[] as ints,
      array['x', null, 'y,"z"']::text[] as texts, null::int4 as nothing`;
    expect(row).toEqual({
      i4: 42, i8: "9007199254740993", num: "12345678901234567890.123456789012345678901",
      txt: 'héllo "q"', yes: true, no: false, d: new Date(2024, 0, 15),
      ts: new Date(2024, 0, 15, 10, 30, 0, 123), tstz: new Date(Date.UTC(2024, 0, 15, 8, 30)),
      j: { a: [1, { b: null }] }, id: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", ints: [1, 2, 3],
      texts: ["x", null, 'y,"z"'], nothing: null,
    });
    const full = await sql.query("select 1::int8 as a, 'x'::varchar(5) as b", [], { fullResults: true });
    expect(full.fields.map((f) => [f.dataTypeID, f.dataTypeModifier])).toEqual([[20, -1], [1043, 9]]);
    expect([full.command, full.rowCount]).toEqual(["SELECT", 1]);
  });

  it("binds parameters, including null", async () => {
    const rows = await sql.query("select $1::text as t, $2::int4 as n, $3::int4 + 1 as k", ["it's", null, 41]);
    expect(rows).toEqual([{ t: "it's", n: null, k: 42 }]);
    expect(await sql`select ${"a"} || ${"b"} as ab`).toEqual([{ ab: "ab" }]);
  });

  it("surfaces Postgres errors as NeonDbError with code and fields", async () => {
    const syntax = await dbError(sql`selec 1`);
    expect([syntax.code, syntax.message, syntax.position]).toEqual(["42601", 'syntax error at or near "selec"', "1"]);
    expect((await dbError(sql`select 1/0`)).code).toBe("22012");
    const missing = await dbError(sql`select * from no_such_table`);
    expect([missing.code, missing.message]).toEqual(["42P01", 'relation "no_such_table" does not exist']);
    await sql`create table uniq (id int primary key)`;
    const dup = await dbError(sql`insert into uniq values (1), (1)`);
    expect([dup.code, dup.constraint, dup.table, dup.detail]).toEqual(["23505", "uniq_pkey", "uniq", "Key (id)=(1) already exists."]);
    // Like Neon (extended protocol): one statement per query.
    expect((await dbError(sql`select 1; select 2`)).code).toBe("42601");
  });

  it("runs a batch in one transaction and returns every result", async () => {
    const [a, b, c] = await sql.transaction([sql`select 1 as one`, sql`select txid_current() as x`, sql`select txid_current() as x`]);
    expect(a).toEqual([{ one: 1 }]);
    expect(b).toEqual(c); // same transaction id: one transaction
    const [iso] = await sql.transaction([sql`show transaction_isolation`],
      { isolationLevel: "Serializable", readOnly: true, deferrable: true });
    expect(iso).toEqual([{ transaction_isolation: "serializable" }]);
  });

  it("leaves no effect of a batch whose later statement fails", async () => {
    await sql`create table batch_t (x int)`;
    const err = await dbError(sql.transaction([sql`insert into batch_t values (1)`, sql`select 1/0`]));
    expect(err.code).toBe("22012");
    expect(await sql`select count(*)::int as n from batch_t`).toEqual([{ n: 0 }]);
  });

  it("rejects writes in a read-only batch", async () => {
    await sql`create table ro_t (x int)`;
    const err = await dbError(sql.transaction([sql`insert into ro_t values (1)`], { readOnly: true }));
    expect(err.code).toBe("25006");
  });

  it("does not let a stray BEGIN leak into later requests", async () => {
    await sql`begin`;
    // SET LOCAL only sticks inside an open transaction block, so it shows whether BEGIN leaked.
    await sql`set local statement_timeout = '123s'`;
    expect(await sql`show statement_timeout`).toEqual([{ statement_timeout: "0" }]);
  });

  it("counts every statement it runs", async () => {
    const before = server.queryCount();
    await sql`select 1`;
    expect(server.queryCount()).toBe(before + 1);
    await sql.transaction([sql`select 1`, sql`select 2`]);
    expect(server.queryCount()).toBe(before + 3);
  });

  it("serves concurrent queries", async () => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => sql`select ${i}::int as i, pg_sleep(0.001)`));
    expect(results.map((r) => r[0]?.i)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it("answers the raw protocol: text values, array or object rows, 400s, CORS", async () => {
    const body = JSON.stringify({ query: "select true as b, 1.50::numeric as n", params: [] });
    const arrays = (await (await post(body, { "Neon-Array-Mode": "true" })).json()) as { fields: unknown[] };
    expect(arrays).toMatchObject({ rows: [["t", "1.50"]], rowAsArray: true, command: "SELECT", rowCount: 1 });
    expect(arrays.fields[0]).toEqual({ name: "b", dataTypeID: 16, tableID: 0, columnID: 0,
      dataTypeSize: 1, dataTypeModifier: -1, format: "text" });
    expect(await (await post(body)).json()).toMatchObject({ rows: [{ b: "t", n: "1.50" }], rowAsArray: false });
    for (const bad of ["{not json", JSON.stringify({ params: [] }), JSON.stringify({ queries: [{}] })]) {
      const res = await post(bad);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ message: expect.stringMatching(/could not parse/) });
    }
    expect((await fetch(server.url, { method: "POST", body })).status).toBe(400); // no connection string
    const pre = await fetch(server.url, { method: "OPTIONS", headers: { "Access-Control-Request-Headers": "neon-connection-string" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("runs migration scripts split by statement-breakpoint, atomically", async () => {
    await execScript(backend, "create table m1 (id int);\n--> statement-breakpoint\ninsert into m1 values (7);");
    expect(await sql`select id from m1`).toEqual([{ id: 7 }]);
    await expect(execScript(backend, "create table m2 (id int);\n--> statement-breakpoint\nselect 1/0;")).rejects.toThrow();
    expect((await dbError(sql`select * from m2`)).code).toBe("42P01");
  });
});
