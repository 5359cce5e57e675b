// The local endpoint's test-only control routes (per-database query counts and outages), which the
// Worker's cache tests rely on. A stub backend: only the routing is under test, not PostgreSQL.
import { afterEach, describe, expect, it } from "vitest";
import { startNeonLocal, type NeonLocal } from "../../scripts/neon-local/server.ts";
import { queryDatabase, stubBackend } from "../helpers/neon-local-stub.ts";

const stub = stubBackend([]);

let server: NeonLocal | undefined;
afterEach(async () => server?.close());

const query = (database: string) => queryDatabase(server!, database);
const control = (path: string, method = "GET") => fetch(new URL(`/__control/${path}`, server!.url), { method });

describe("neon-local control routes", () => {
  it("exist only when asked for", async () => {
    server = await startNeonLocal({ backend: stub });
    expect((await control("queries?database=a")).status).toBe(405);
  });

  it("count statements per database name", async () => {
    server = await startNeonLocal({ backend: stub, control: true });
    await query("a");
    await query("a");
    await query("b");
    expect(await (await control("queries?database=a")).json()).toEqual({ count: 2 });
    expect(await (await control("queries?database=b")).json()).toEqual({ count: 1 });
    expect(server.queryCountFor("c")).toBe(0);
  });

  it("an outage fails only its own database, until it is lifted", async () => {
    server = await startNeonLocal({ backend: stub, control: true });
    expect((await control("outage?database=a", "PUT")).status).toBe(204);
    expect((await query("a")).status).toBe(503);
    expect((await query("b")).status).toBe(200);
    expect((await control("outage?database=a", "DELETE")).status).toBe(204);
    expect((await query("a")).status).toBe(200);
  });
});
