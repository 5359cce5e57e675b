// The local endpoint's injected faults (scripts/neon-local/faults.ts), which the Worker's
// database-fault tests rely on. A stub backend: only what the endpoint answers is under test.
import { afterEach, describe, expect, it } from "vitest";
import { SIMULATED_DETAIL } from "../../scripts/neon-local/faults.ts";
import { startNeonLocal, type NeonLocal } from "../../scripts/neon-local/server.ts";
import { queryDatabase, stubBackend } from "../helpers/neon-local-stub.ts";

const stub = stubBackend([["1"]]);

let server: NeonLocal | undefined;
afterEach(async () => server?.close());

const query = (database: string) => queryDatabase(server!, database);
const fault = (database: string, params: string, method = "PUT") =>
  fetch(new URL(`/__control/fault?database=${database}&${params}`, server!.url), { method });

describe("neon-local faults", () => {
  it("http_500: an HTTP 500 whose message must never reach a client", async () => {
    server = await startNeonLocal({ backend: stub, control: true });
    expect((await fault("a", "kind=http_500")).status).toBe(204);
    const response = await query("a");
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: SIMULATED_DETAIL });
  });

  it("postgres_error: Neon's shape of a Postgres error, with the SQLSTATE asked for", async () => {
    server = await startNeonLocal({ backend: stub, control: true });
    await fault("a", "kind=postgres_error&code=57P01");
    const response = await query("a");
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: SIMULATED_DETAIL, code: "57P01", severity: "ERROR" });
  });

  it("malformed_json: a 200 holding the first half of the real answer", async () => {
    server = await startNeonLocal({ backend: stub, control: true });
    const whole = await (await query("a")).text();
    await fault("a", "kind=malformed_json");
    const response = await query("a");
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(whole.startsWith(text) && text.length < whole.length).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it("slow: the answer comes after the delay asked for", async () => {
    server = await startNeonLocal({ backend: stub, control: true });
    await fault("a", "kind=slow&ms=300");
    const started = Date.now();
    const response = await query("a");
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("refused: the connection closes without an answer", async () => {
    server = await startNeonLocal({ backend: stub, control: true });
    await fault("a", "kind=refused");
    await expect(query("a")).rejects.toThrow();
  });

  it("apply to their own database name only, until lifted", async () => {
    server = await startNeonLocal({ backend: stub, control: true });
    await fault("a", "kind=http_500");
    expect((await query("b")).status).toBe(200);
    expect((await fault("a", "", "DELETE")).status).toBe(204);
    expect((await query("a")).status).toBe(200);
  });

  it.each(["kind=nope", "kind=slow&ms=-1", "kind=slow&ms=abc", "kind=postgres_error&code=bad"])("reject %s", async (params) => {
    server = await startNeonLocal({ backend: stub, control: true });
    expect((await fault("a", params)).status).toBe(400);
  });

  it("do not exist without control: true", async () => {
    server = await startNeonLocal({ backend: stub });
    expect((await fault("a", "kind=http_500")).status).toBe(405);
    expect((await query("a")).status).toBe(200);
  });
});
