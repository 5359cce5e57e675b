import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cacheApp, cacheStatus, DATABASE_PATH } from "./helpers/cache-app.ts";
import { createBillingScenario } from "./helpers/factories.ts";

// Database faults injected at the local Neon endpoint (scripts/neon-local/faults.ts) or, on the
// Hyperdrive path, at the wire proxy (scripts/pg-proxy/server.ts), each for this test's own database
// name only. Whatever the fault, the client gets, within the deadline
// (DATABASE_TIMEOUT_MS), either the stored answer marked stale-if-error or the documented 503, never
// a wrong or partial body and never a word of what the database said.
const DEADLINE_MS = 1000;
// Time for the Worker to turn the failure into an answer, on a busy machine.
const MARGIN_MS = 1000;
const INVOICED = "/api/v1/analytics/invoiced_usage";
// What the endpoint's error messages hold (SIMULATED_DETAIL in faults.ts): none of it may leak.
const LEAKS = /simulated|secret_ledger|jane\.doe|XX000|Neon|Server error|SyntaxError|JSON|Connection terminated|ECONN/i;

const ALL_FAULTS = [
  ["refused", "the connection is dropped before any answer"],
  ["slow", "the database answers long after the deadline"],
  ["http_500", "the endpoint answers HTTP 500"],
  ["malformed_json", "the endpoint answers 200 with half a JSON body"],
  ["postgres_error", "the database answers with a Postgres error (XX000)"],
] as const;
type FaultKind = (typeof ALL_FAULTS)[number][0];
// HTTP 500 and a cut JSON body exist only where there is HTTP (Neon's driver); a socket to
// PostgreSQL can be dropped, be slow or carry an ErrorResponse.
const HTTP_ONLY: readonly FaultKind[] = ["http_500", "malformed_json"];
const FAULTS = ALL_FAULTS.filter(([kind]) => DATABASE_PATH === "neon-http" || !HTTP_ONLY.includes(kind));

let errors: string[];
beforeEach(() => {
  errors = [];
  vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
  vi.spyOn(console, "warn").mockImplementation((line: unknown) => void errors.push(String(line)));
});
afterEach(() => vi.restoreAllMocks());

// What each fault got the client and how fast, printed for the record (docs/operations.md, "Faults").
const outcomes: string[] = [];
afterAll(() => console.log(`[faults] deadline ${DEADLINE_MS} ms\n${outcomes.join("\n")}`));

/** An app with a short deadline, and an organization with one month of revenue. */
async function scenario() {
  const s = await createBillingScenario();
  await s.fee(1000, "2025-03-10 08:00:00");
  const app = cacheApp({ DATABASE_TIMEOUT_MS: String(DEADLINE_MS) });
  const inject = (kind: FaultKind) => app.fault(kind, { ms: 10 * DEADLINE_MS });
  return { s, app, inject };
}

async function timed<T>(work: () => Promise<T>): Promise<T & { elapsed: number }> {
  const started = Date.now();
  const result = await work();
  return { ...result, elapsed: Date.now() - started };
}

function expectWithinDeadline(kind: FaultKind, elapsed: number) {
  // A slow database is waited for until the deadline, no longer; every other fault fails at once.
  if (kind === "slow") expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
  expect(elapsed).toBeLessThan(kind === "slow" ? DEADLINE_MS + MARGIN_MS : DEADLINE_MS);
}

function expect503(response: Response, text: string, body: unknown) {
  expect(response.status).toBe(503);
  expect(body).toEqual({ status: 503, error: "Service Unavailable", request_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  expect(response.headers.get("Retry-After")).toBe("5");
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  expect(text).not.toMatch(LEAKS);
}

describe.each(FAULTS)("database fault %s (%s)", (kind) => {
  it("a stored answer is served instead, marked stale-if-error, within the deadline", async () => {
    const { s, app, inject } = await scenario();
    const first = await app.get(INVOICED, { apiKey: s.org.apiKey });
    await inject(kind);
    // no-cache sends the request to the database, which fails: the stored copy is the answer.
    const { response, text, elapsed } = await timed(() =>
      app.get(INVOICED, { apiKey: s.org.apiKey, headers: { "Cache-Control": "no-cache" } }),
    );
    expect(response.status).toBe(200);
    expect(text).toBe(first.text);
    expect(cacheStatus(response)).toMatch(/^fwd=request; fwd-status=503; ttl=\d+; detail=stale-if-error$/);
    expect(response.headers.get("Server-Timing")).toMatch(/db;desc=error;dur=\d+/);
    expectWithinDeadline(kind, elapsed);
    outcomes.push(`${kind}, stored answer: 200 stale-if-error in ${elapsed} ms`);
  });

  it("without a stored answer, the query's failure is a 503 with Retry-After and a request id", async () => {
    const { s, app, inject } = await scenario();
    await app.get(`${INVOICED}?months=1`, { apiKey: s.org.apiKey }); // the key lookup is now cached
    await inject(kind);
    const { response, text, body, elapsed } = await timed(() => app.get(`${INVOICED}?months=2`, { apiKey: s.org.apiKey }));
    expect503(response, text, body);
    expectWithinDeadline(kind, elapsed);
    outcomes.push(`${kind}, nothing stored: 503 + Retry-After in ${elapsed} ms`);
  });

  it("without a cached key, the key lookup's failure is the same 503 (not a 401)", async () => {
    const { s, app, inject } = await scenario();
    await inject(kind);
    const { response, text, body, elapsed } = await timed(() => app.get(INVOICED, { apiKey: s.org.apiKey }));
    expect503(response, text, body);
    expectWithinDeadline(kind, elapsed);
    outcomes.push(`${kind}, key lookup: 503 + Retry-After in ${elapsed} ms`);
  });

  it("is logged by class and SQLSTATE, never by message", async () => {
    const { s, app, inject } = await scenario();
    await inject(kind);
    const { body } = await app.get(INVOICED, { apiKey: s.org.apiKey });
    const log = errors.join("\n");
    expect(log).toContain((body as { request_id: string }).request_id);
    expect(log).not.toMatch(/simulated|secret_ledger|jane\.doe/);
    expect(log).not.toContain(s.org.apiKey);
    if (kind === "postgres_error") expect(log).toContain('"sqlstate":"XX000"');
  });
});

describe("database faults: recovery", () => {
  it("once the fault is lifted, the next request is answered from the database again", async () => {
    const { s, app, inject } = await scenario();
    await inject("postgres_error");
    const failed = await app.get(INVOICED, { apiKey: s.org.apiKey });
    await app.fault(undefined);
    const next = await app.get(INVOICED, { apiKey: s.org.apiKey });
    expect(failed.status).toBe(503);
    expect(next.status).toBe(200);
    expect(cacheStatus(next.response)).toBe("fwd=miss; stored");
  });

  it("DATABASE_TIMEOUT_MS out of bounds is a configuration error (JSON 500 naming it)", async () => {
    const { response } = await cacheApp({ DATABASE_TIMEOUT_MS: "5" }).get(INVOICED, { apiKey: "any" });
    expect(response.status).toBe(500);
    expect(errors.join("\n")).toContain("DATABASE_TIMEOUT_MS");
  });
});
