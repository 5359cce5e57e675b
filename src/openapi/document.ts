import * as z from "zod/mini";
import { InvoicedUsageQuerySchema, InvoicedUsageResponseSchema } from "../routes/invoiced-usage.ts";
import { UsageQuerySchema, UsageResponseSchema } from "../routes/usage.ts";
import { PARAMETER_DESCRIPTIONS } from "./descriptions.ts";

// The OpenAPI 3.1 document is generated from the very zod schemas that validate the requests and
// type the responses, with zod's own JSON Schema output (OpenAPI 3.1 uses JSON Schema 2020-12).
// Parameters are described by what they parse to (`io: "output"`): `months` is an integer 1..1200,
// `currency` one of Lago's codes (accepted in any case, as the description says).

type Schema = Record<string, unknown>;

const jsonSchema = (schema: z.core.$ZodType, io: "input" | "output"): Schema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Schema;
  return rest;
};

function queryParameters(schema: z.ZodMiniObject) {
  return Object.entries(schema.shape).map(([name, param]) => ({
    name,
    in: "query",
    required: false,
    description: PARAMETER_DESCRIPTIONS[name],
    schema: jsonSchema(param as z.core.$ZodType, "output"),
  }));
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

const header = (description: string, schema: Schema = { type: "string" }) => ({ description, schema });

// What the edge cache adds to every 200 (README, "Caching").
const CACHE_HEADERS = {
  "Cache-Control": header("private, max-age=N: how long this answer stays fresh"),
  ETag: header("Strong validator of the body; send it back in If-None-Match"),
  Age: header("Seconds since the answer was computed", { type: "integer" }),
  "Cache-Status": header("RFC 9211: hit, miss or stale (with the reason)"),
  "Server-Timing": header("Cache lookup and database time"),
};

const COMMON_ERRORS = {
  "304": { description: "Not modified: If-None-Match matched the current ETag", headers: CACHE_HEADERS },
  "401": errorResponse("Missing, unknown or expired API key"),
  "422": errorResponse("A query parameter is invalid; error_details names it"),
  "429": errorResponse("Too many requests"),
  "503": errorResponse("The database is unavailable; retry after Retry-After seconds"),
};

function operation(opts: { id: string; summary: string; query: z.ZodMiniObject; response: z.core.$ZodType; extra?: object }) {
  return {
    get: {
      operationId: opts.id,
      tags: ["Analytics"],
      summary: opts.summary,
      parameters: queryParameters(opts.query),
      responses: {
        "200": {
          description: "OK",
          headers: CACHE_HEADERS,
          content: { "application/json": { schema: jsonSchema(opts.response, "output") } },
        },
        ...COMMON_ERRORS,
        ...opts.extra,
      },
    },
  };
}

export function buildOpenApiDocument() {
  return {
    openapi: "3.1.0",
    info: {
      title: "Lago edge analytics",
      version: "1.0.0",
      description: "Lago's usage-analytics endpoints answered at the edge, per organization, exactly.",
    },
    security: [{ bearerAuth: [] }],
    paths: {
      "/api/v1/analytics/invoiced_usage": operation({
        id: "findAllInvoicedUsages",
        summary: "Monthly revenue of invoiced usage-based fees per metric code and currency",
        query: InvoicedUsageQuerySchema,
        response: InvoicedUsageResponseSchema,
        extra: { "404": errorResponse("Unknown billing_entity_code (code billing_entity_not_found)") },
      }),
      "/api/v1/analytics/usage": operation({
        id: "findAllUsages",
        summary: "Usage units and amounts per day, ISO week or month",
        query: UsageQuerySchema,
        response: UsageResponseSchema,
      }),
      "/api/v1/openapi.json": {
        get: {
          operationId: "getOpenApiDocument",
          summary: "This document",
          security: [],
          responses: { "200": { description: "OpenAPI 3.1 document", content: { "application/json": {} } } },
        },
      },
    },
    components: {
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "A Lago API key" } },
      schemas: {
        Error: {
          type: "object",
          required: ["status", "error"],
          properties: {
            status: { type: "integer" },
            error: { type: "string" },
            code: { type: "string" },
            error_details: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
            request_id: { type: "string" },
          },
        },
      },
    },
  };
}
