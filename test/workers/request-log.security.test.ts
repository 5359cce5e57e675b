import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cacheApp } from "./helpers/cache-app.ts";
import { createBillingScenario, createOrganization } from "./helpers/factories.ts";
import { callWorker } from "./helpers/request.ts";
import { chargeUsage } from "../helpers/lago-usage.ts";
import { createUsageScenario } from "./helpers/usage-factories.ts";

// The one JSON line per request (src/middleware/request-log.ts), read from console.log: what it
// says, and what it must never say (the API key, a query-string value, a client-chosen path).
const INVOICED = "/api/v1/analytics/invoiced_usage";
const USAGE = "/api/v1/analytics/usage";

type RequestLine = {
  level: string; msg: string; request_id: string; method: string; route: string | null; status: number;
  organization_id: string | null; cache: string | null; db_ms: number; db_queries: number; duration_ms: number;
  params: string[]; unknown_params: number;
};

let output: string[];
beforeEach(() => {
  output = [];
  for (const method of ["log", "info", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void output.push(args.map(String).join(" ")));
  }
});
afterEach(() => vi.restoreAllMocks());

const requestLines = (): RequestLine[] =>
  output.filter((line) => line.startsWith('{"level":"info","msg":"request"')).map((line) => JSON.parse(line) as RequestLine);

describe("request log", () => {
  it("writes one line per request: ids, route, status, cache outcome, database time, parameter names", async () => {
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    const app = cacheApp();
    const miss = await app.get(`${INVOICED}?currency=usd&months=3`, { apiKey: s.org.apiKey });
    const hit = await app.get(`${INVOICED}?months=3&currency=USD`, { apiKey: s.org.apiKey });
    const lines = requestLines();
    expect(lines).toHaveLength(2);
    const [first, second] = lines as [RequestLine, RequestLine];
    expect(first).toEqual({
      level: "info", msg: "request", request_id: miss.response.headers.get("X-Request-Id"), method: "GET",
      route: INVOICED, status: 200, organization_id: s.org.id, cache: "miss",
      db_ms: expect.any(Number), db_queries: expect.any(Number), duration_ms: expect.any(Number),
      params: ["currency", "months"], unknown_params: 0,
    });
    expect(first.db_queries).toBeGreaterThanOrEqual(2); // the key lookup, then the query
    expect(second).toMatchObject({ request_id: hit.response.headers.get("X-Request-Id"), cache: "hit", db_queries: 0, db_ms: 0 });
    expect(first.request_id).not.toBe(second.request_id);
  });

  it("never writes the API key, a parameter's value, an unknown parameter's name or an unknown path", async () => {
    const s = await createUsageScenario({ customer: { externalId: "jane.doe@example.com", country: "FR" } });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100)]);
    const app = cacheApp();
    const personal = "external_customer_id=jane.doe%40example.com&plan_code=Jane%20Doe%20Plan&customer_country=fr";
    // The client's own X-Request-Id is not adopted: it could carry anything, its key included.
    const headers = { "X-Request-Id": s.org.apiKey };
    await app.get(`${USAGE}?from_date=2025-03-01&to_date=2025-03-31&${personal}&email_of_john=john%40smith.example`, { apiKey: s.org.apiKey, headers });
    await app.get(`${USAGE}?${personal}&from_date=2025-03-99`, { apiKey: s.org.apiKey, headers }); // a 422
    await app.get("/api/v1/users/jane.doe@example.com/export", { apiKey: s.org.apiKey }); // an unknown route
    await app.get(USAGE, { apiKey: `${s.org.apiKey}x` }); // a wrong key: a 401
    const all = output.join("\n");
    for (const secret of [s.org.apiKey, "jane", "Jane", "example.com", "john", "email_of_john", "users", "2025-03-"]) {
      expect(all).not.toContain(secret);
    }
    const lines = requestLines();
    expect(lines.map((l) => l.status)).toEqual([200, 422, 404, 401]);
    expect(lines[0]).toMatchObject({
      params: ["customer_country", "external_customer_id", "from_date", "plan_code", "to_date"], unknown_params: 1,
    });
    expect(lines[2]).toMatchObject({ route: null, organization_id: null, cache: null, params: [] });
    expect(lines[3]).toMatchObject({ route: USAGE, organization_id: null, cache: null, db_queries: 1 });
  });

  it("every request is logged, whatever its outcome: 405, OPTIONS, HEAD, 404, the OpenAPI document", async () => {
    const org = await createOrganization();
    const sent: [string, string][] = [["POST", INVOICED], ["PURGE", USAGE], ["OPTIONS", INVOICED], ["HEAD", USAGE], ["GET", "/nope"], ["GET", "/api/v1/openapi.json"]];
    for (const [method, path] of sent) await (await callWorker(path, { method, apiKey: org.apiKey })).arrayBuffer();
    expect(requestLines().map((l) => [l.method, l.status])).toEqual([["POST", 405], ["PURGE", 405], ["OPTIONS", 204], ["HEAD", 200], ["GET", 404], ["GET", 200]]);
  });

  it("a database failure is one request line (503, its database time) plus one error line with the same id", async () => {
    const s = await createBillingScenario();
    const app = cacheApp();
    await app.outage(true);
    const { body } = await app.get(INVOICED, { apiKey: s.org.apiKey });
    await app.outage(false);
    const [line] = requestLines();
    expect(line).toMatchObject({ status: 503, organization_id: null, cache: null, db_queries: 1 });
    const id = (body as { request_id: string }).request_id;
    expect(line?.request_id).toBe(id);
    expect(output.filter((l) => l.includes(id))).toHaveLength(2);
  });

  it("names the cache's verdict when the database fails under a stored answer: stale-if-error", async () => {
    const s = await createBillingScenario();
    const app = cacheApp();
    await app.get(INVOICED, { apiKey: s.org.apiKey });
    await app.outage(true);
    await app.get(INVOICED, { apiKey: s.org.apiKey, headers: { "Cache-Control": "no-cache" } });
    await app.outage(false);
    expect(requestLines().map((l) => l.cache)).toEqual(["miss", "stale-if-error"]);
  });
});
