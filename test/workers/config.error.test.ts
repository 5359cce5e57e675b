import { createExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { CACHE_ROUTES } from "../../src/endpoints.ts";

const PATH = "/api/v1/analytics/invoiced_usage";

// A broken deployment (secret missing or malformed) must answer every request with a JSON 500
// and say in the log which setting is wrong, without its value, instead of crashing.
async function callWithEnv(env: Record<string, string>) {
  const errors: string[] = [];
  vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
  const response = await createApp().request(
    `https://analytics.test${PATH}`,
    { headers: { Authorization: "Bearer some-key" } },
    env,
    createExecutionContext(),
  );
  return { response, body: (await response.json()) as Record<string, unknown>, errors };
}

describe("configuration errors", () => {
  afterEach(() => vi.restoreAllMocks());

  it("a missing DATABASE_URL is a JSON 500 with a request id and a log line naming it", async () => {
    const { response, body, errors } = await callWithEnv({ REGION: "us" });
    expect(response.status).toBe(500);
    expect(body).toEqual({ status: 500, error: "Internal Server Error", request_id: expect.any(String) });
    expect(errors.join("\n")).toContain("DATABASE_URL");
  });

  it("a malformed DATABASE_URL is logged by name, never by value", async () => {
    const { response, errors } = await callWithEnv({ DATABASE_URL: "mysql://admin:hunter2@db.example/lago", REGION: "eu" });
    expect(response.status).toBe(500);
    const log = errors.join("\n");
    expect(log).toContain("DATABASE_URL");
    expect(log).not.toContain("hunter2");
  });

  it("an unknown REGION is rejected too", async () => {
    const { response, errors } = await callWithEnv({ DATABASE_URL: "postgres://u:p@db.example/lago", REGION: "mars" });
    expect(response.status).toBe(500);
    expect(errors.join("\n")).toContain("REGION");
  });

  it.each([
    ["http to another host", "http://lago.example.com"],
    ["another scheme", "ftp://lago.example.com"],
    ["credentials in the URL", "https://admin:hunter2@lago.example.com"],
    ["a query string", "https://lago.example.com/?token=hunter2"],
    ["not a URL", "lago.example.com"],
  ])("a LAGO_API_URL with %s is refused, by name", async (_, url) => {
    const { response, errors } = await callWithEnv({ DATABASE_URL: "postgres://u:p@db.example/lago", LAGO_API_URL: url });
    expect(response.status).toBe(500);
    const log = errors.join("\n");
    expect(log).toContain("LAGO_API_URL");
    expect(log).not.toContain("hunter2");
  });

  it.each([
    ["https", "https://lago.example.com/", "https://lago.example.com"],
    ["http on loopback", "http://127.0.0.1:3000", "http://127.0.0.1:3000"],
    ["http on localhost", "http://localhost:3000/", "http://localhost:3000"],
    ["empty (off)", "", undefined],
  ])("a LAGO_API_URL over %s is taken", (_, url, expected) => {
    const result = parseConfig({ DATABASE_URL: "postgres://u:p@db.example/lago", LAGO_API_URL: url }, CACHE_ROUTES);
    expect(result.ok && result.config.lagoApiUrl).toBe(expected);
  });

  it("keeps answering: the next request gets the same JSON 500, not a crash", async () => {
    const env = { REGION: "us" };
    const app = createApp();
    for (let i = 0; i < 2; i++) {
      vi.spyOn(console, "error").mockImplementation(() => {});
      const response = await app.request(`https://analytics.test${PATH}`, {}, env, createExecutionContext());
      expect(response.status).toBe(500);
    }
  });
});

describe("the database path a configuration chooses", () => {
  const hyperdrive = { connectionString: "postgres://analytics:secret@hyperdrive.local:5432/lago" } as Hyperdrive;

  it("a HYPERDRIVE binding alone is enough, and is the path taken", () => {
    const result = parseConfig({ HYPERDRIVE: hyperdrive }, CACHE_ROUTES);
    expect(result.ok && result.config.database).toEqual({ driver: "hyperdrive", connectionString: hyperdrive.connectionString });
  });

  it("a HYPERDRIVE binding wins over DATABASE_URL", () => {
    const result = parseConfig({ HYPERDRIVE: hyperdrive, DATABASE_URL: "postgres://u:p@db.example/lago" }, CACHE_ROUTES);
    expect(result.ok && result.config.database.driver).toBe("hyperdrive");
  });

  it("DATABASE_URL alone takes Neon's HTTP driver", () => {
    const result = parseConfig({ DATABASE_URL: "postgres://u:p@db.example/lago" }, CACHE_ROUTES);
    expect(result.ok && result.config.database).toEqual({ driver: "neon-http", url: "postgres://u:p@db.example/lago", fetchEndpoint: undefined });
  });

  it("neither is a problem naming both, once", () => {
    const result = parseConfig({}, CACHE_ROUTES);
    expect(result).toEqual({ ok: false, problems: ["DATABASE_URL: required (or a HYPERDRIVE binding)"] });
  });

  it("a malformed DATABASE_URL is reported as such, not also as missing", () => {
    const result = parseConfig({ DATABASE_URL: "mysql://admin:hunter2@db.example/lago" }, CACHE_ROUTES);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.filter((p) => p.startsWith("DATABASE_URL"))).toEqual(["DATABASE_URL: invalid_format"]);
  });
});
