import { Validator } from "@seriousme/openapi-schema-validator";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { unstable_readConfig } from "wrangler";
import { OFFLINE_ENV } from "../../scripts/node-version.ts";
import { OPENAPI_PATH } from "../../src/app.ts";
import { ENDPOINTS } from "../../src/endpoints.ts";
import { buildOpenApiDocument } from "../../src/openapi/document.ts";

// The schema validator compiles code at run time, which workerd forbids, so the document's
// validity is checked here in Node; test/workers/openapi.test.ts checks the Worker serves it.

type Operation = {
  operationId: string;
  tags: string[];
  parameters: { name: string; schema: Record<string, unknown> }[];
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
};
const document = buildOpenApiDocument();
const get = (path: string) => (document.paths as unknown as Record<string, { get: Operation }>)[path]?.get;
const root = join(import.meta.dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "openapi-lint-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `redocly lint` (from npm, offline) on a document; its problems as it reports them. */
function redoclyLint(doc: object): { errors: number; warnings: number } {
  const file = join(scratch, `${crypto.randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(doc));
  const run = spawnSync(
    process.execPath,
    [join(root, "node_modules", "@redocly", "cli", "bin", "cli.js"), "lint", file, "--format=json"],
    { cwd: scratch, encoding: "utf8", env: { ...process.env, ...OFFLINE_ENV } },
  );
  const report = JSON.parse(run.stdout.slice(run.stdout.indexOf("{"))) as { totals: { errors: number; warnings: number } };
  return report.totals;
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("the validator does reject a broken document", async () => {
    const broken = structuredClone(document) as Record<string, unknown>;
    delete broken.info;
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("passes redocly lint with 0 errors", () => {
    expect(redoclyLint(document).errors).toBe(0);
  });

  it("redocly lint does count errors in a broken document", () => {
    const broken = structuredClone(document) as { components: { schemas: Record<string, unknown> } };
    delete broken.components.schemas.Currency; // every currency parameter now points nowhere
    expect(redoclyLint(broken).errors).toBeGreaterThan(0);
  });

  it.each(ENDPOINTS.map((e) => [e.path, e] as const))("describes %s with every parameter its schema accepts", (path, endpoint) => {
    const operation = get(path);
    expect(operation?.operationId).toBe(endpoint.operationId);
    const names = operation?.parameters.map((p) => p.name).sort();
    expect(names).toEqual([...Object.keys(endpoint.query.shape), "format"].sort());
    expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(["200", "304", "401", "405", "422", "429", "503"]));
  });

  it("uses Lago's operationIds, tag and component names", () => {
    expect(get("/api/v1/analytics/invoiced_usage")?.operationId).toBe("findAllInvoicedUsages");
    expect(get("/api/v1/analytics/usage")?.operationId).toBe("findAllUsages");
    expect(document.tags.map((t) => t.name)).toEqual(["analytics"]);
    for (const path of Object.keys(document.paths)) expect(get(path)?.tags).toEqual(["analytics"]);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        "InvoicedUsages", "InvoicedUsageObject", "Usages", "UsageObject", "Currency", "Country",
        "ApiErrorUnauthorized", "ApiErrorNotFound", "ApiErrorNotAllowed", "ApiErrorUnprocessableEntity",
      ]),
    );
    const ok = (path: string) => get(path)?.responses["200"]?.content?.["application/json"]?.schema.$ref;
    expect(ok("/api/v1/analytics/invoiced_usage")).toBe("#/components/schemas/InvoicedUsages");
    expect(ok("/api/v1/analytics/usage")).toBe("#/components/schemas/Usages");
    const error = (path: string, status: string) => get(path)?.responses[status]?.content?.["application/json"]?.schema.$ref;
    expect(error("/api/v1/analytics/usage", "401")).toBe("#/components/schemas/ApiErrorUnauthorized");
    expect(error("/api/v1/analytics/usage", "405")).toBe("#/components/schemas/ApiErrorNotAllowed");
    expect(error("/api/v1/analytics/usage", "422")).toBe("#/components/schemas/ApiErrorUnprocessableEntity");
    expect(error("/api/v1/analytics/invoiced_usage", "404")).toBe("#/components/schemas/ApiErrorNotFound");
  });

  it("requires what Lago's error schemas require", () => {
    const required = (name: string) => (document.components.schemas as Record<string, { required: string[] }>)[name]?.required;
    expect(required("ApiErrorUnauthorized")).toEqual(["status", "error"]);
    expect(required("ApiErrorNotFound")).toEqual(["status", "error", "code"]);
    expect(required("ApiErrorNotAllowed")).toEqual(["status", "error", "code"]);
    expect(required("ApiErrorUnprocessableEntity")).toEqual(["status", "error", "code", "error_details"]);
  });

  it("names no date: the document is the same every day", () => {
    const text = JSON.stringify(document);
    expect(text).not.toMatch(/"\d{4}-\d{2}-\d{2}/);
    vi.useFakeTimers({ now: new Date("2031-02-03T04:05:06Z") });
    try {
      expect(JSON.stringify(buildOpenApiDocument())).toBe(text);
    } finally {
      vi.useRealTimers();
    }
  });

  it("lists the US and EU deployments wrangler.toml routes to, and local development", () => {
    const configPath = join(root, "wrangler.toml");
    for (const env of ["us", "eu"]) {
      const config = unstable_readConfig({ config: configPath, env }, { hideWarnings: true }) as unknown as { routes: { pattern: string }[] };
      for (const route of config.routes) expect(document.servers.map((s) => s.url)).toContain(`https://${route.pattern}`);
    }
    expect(document.servers.map((s) => s.url)).toContain("http://127.0.0.1:8787");
  });

  it("describes the CSV representation, Last-Modified and If-Modified-Since", () => {
    const ok = get("/api/v1/analytics/usage")?.responses["200"] as unknown as { content: Record<string, unknown>; headers: Record<string, unknown> };
    expect(Object.keys(ok.content)).toEqual(["application/json", "text/csv"]);
    expect(Object.keys(ok.headers)).toEqual(expect.arrayContaining(["Last-Modified", "ETag", "Content-Disposition", "Vary"]));
    const format = get("/api/v1/analytics/usage")?.parameters.find((p) => p.name === "format");
    expect(format?.schema).toEqual({ type: "string", enum: ["json", "csv"] });
    expect(JSON.stringify(get("/api/v1/analytics/usage")?.responses["304"])).toContain("If-Modified-Since");
  });

  it("describes the document's own route, without auth", () => {
    expect(document.paths[OPENAPI_PATH as keyof typeof document.paths]).toMatchObject({ get: { security: [] } });
  });

  it("derives parameter schemas from the validators", () => {
    const months = get("/api/v1/analytics/invoiced_usage")?.parameters.find((p) => p.name === "months");
    expect(months?.schema).toEqual({ type: "integer", minimum: 1, maximum: 1200 });
    const currency = get("/api/v1/analytics/usage")?.parameters.find((p) => p.name === "currency");
    expect(currency?.schema).toEqual({ $ref: "#/components/schemas/Currency" });
    expect((document.components.schemas as Record<string, { enum?: string[] }>).Currency?.enum).toContain("NOK");
    expect((document.components.schemas as Record<string, { enum?: string[] }>).Country?.enum).toContain("NO");
    const granularity = get("/api/v1/analytics/usage")?.parameters.find((p) => p.name === "time_granularity");
    expect(granularity?.schema).toMatchObject({ enum: ["daily", "weekly", "monthly"], default: "daily" });
    const timezone = get("/api/v1/analytics/invoiced_usage")?.parameters.find((p) => p.name === "timezone");
    expect(timezone?.schema).toEqual({ type: "string" });
    const toDate = get("/api/v1/analytics/usage")?.parameters.find((p) => p.name === "to_date");
    expect(toDate?.schema).not.toHaveProperty("default");
  });
});
