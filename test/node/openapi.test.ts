import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { OPENAPI_PATH, ROUTES } from "../../src/app.ts";
import { buildOpenApiDocument } from "../../src/openapi/document.ts";
import { InvoicedUsageQuerySchema } from "../../src/routes/invoiced-usage.ts";
import { UsageQuerySchema } from "../../src/routes/usage.ts";

// The schema validator compiles code at run time, which workerd forbids, so the document's
// validity is checked here in Node; test/workers/openapi.test.ts checks the Worker serves it.

const QUERY_SCHEMAS: Record<(typeof ROUTES)[number], { shape: object }> = {
  "/api/v1/analytics/invoiced_usage": InvoicedUsageQuerySchema,
  "/api/v1/analytics/usage": UsageQuerySchema,
};

type Operation = { parameters: { name: string; schema: Record<string, unknown> }[]; responses: Record<string, unknown> };
const document = buildOpenApiDocument();
const get = (path: string) => (document.paths as unknown as Record<string, { get: Operation }>)[path]?.get;

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

  it.each(ROUTES)("describes %s with every parameter its schema accepts", (path) => {
    const operation = get(path);
    expect(operation).toBeDefined();
    const names = operation?.parameters.map((p) => p.name).sort();
    expect(names).toEqual(Object.keys(QUERY_SCHEMAS[path].shape).sort());
    expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(["200", "304", "401", "422", "429", "503"]));
  });

  it("describes the document's own route, without auth", () => {
    expect(document.paths[OPENAPI_PATH as keyof typeof document.paths]).toMatchObject({ get: { security: [] } });
  });

  it("derives parameter schemas from the validators", () => {
    const months = get("/api/v1/analytics/invoiced_usage")?.parameters.find((p) => p.name === "months");
    expect(months?.schema).toEqual({ type: "integer", minimum: 1, maximum: 1200 });
    const currency = get("/api/v1/analytics/usage")?.parameters.find((p) => p.name === "currency");
    expect(currency?.schema.enum).toContain("EUR");
    const granularity = get("/api/v1/analytics/usage")?.parameters.find((p) => p.name === "time_granularity");
    expect(granularity?.schema).toMatchObject({ enum: ["daily", "weekly", "monthly"], default: "daily" });
  });
});
