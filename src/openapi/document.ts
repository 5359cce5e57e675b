import * as z from "zod/mini";
import type { Endpoint } from "../endpoint.ts";
import { ENDPOINTS } from "../endpoints.ts";
import { FORMAT_DESCRIPTION, FormatQuerySchema } from "../format/negotiate.ts";
import { CountrySchema, CurrencySchema, isComputedDefault } from "../validation/params.ts";
import { API_TAG, ERROR_SCHEMAS, errorResponse } from "./errors.ts";
import { SERVERS } from "./servers.ts";

// The OpenAPI 3.1 document is generated from the endpoint descriptors: the very zod schemas that
// validate the requests and type the responses, with zod's own JSON Schema output (OpenAPI 3.1 uses
// JSON Schema 2020-12). Parameters are described by what they parse to (`io: "output"`): `months`
// is an integer 1..1200, `currency` one of Lago's codes (accepted in any case, as its description says).

export const OPENAPI_PATH = "/api/v1/openapi.json";
export const DOCS_PATH = "/api/v1/docs";

type Schema = Record<string, unknown>;
type Components = Record<string, Schema>;

/** Converts a zod schema, moving every named part into `components` and pointing at it there. */
function toSchema(schema: z.core.$ZodType, names: z.core.$ZodRegistry<{ id: string }>, components: Components, io: "input" | "output" = "output"): Schema {
  const converted = z.toJSONSchema(schema, {
    io,
    metadata: names,
    unrepresentable: "any",
    // A default computed per request (to_date: today) is described in words, never as a date.
    override: ({ zodSchema, jsonSchema }) => {
      if (isComputedDefault(zodSchema)) delete jsonSchema.default;
    },
  }) as Schema;
  const { $schema: _drop, $defs, ...rest } = converted;
  const pointed = JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', '"#/components/schemas/')) as Schema;
  for (const [name, part] of Object.entries(($defs ?? {}) as Components)) {
    components[name] = JSON.parse(JSON.stringify(part).replaceAll('"#/$defs/', '"#/components/schemas/')) as Schema;
  }
  return pointed;
}

const header = (description: string, schema: Schema = { type: "string" }) => ({ description, schema });

// What the edge cache adds to every 200 (docs/caching.md).
const CACHE_HEADERS = {
  "Cache-Control": header("private, max-age=N: how long this answer stays fresh"),
  ETag: header("Strong validator of the body; send it back in If-None-Match"),
  Age: header("Seconds since the answer was computed", { type: "integer" }),
  "Cache-Status": header("RFC 9211: hit, miss or stale (with the reason)"),
  "Server-Timing": header("Cache lookup and database time"),
  "Last-Modified": header(
    "When the numbers were read from Lago's tables: the start of the rollups' last complete refresh, or the moment of the direct read. A cached copy keeps it; send it back in If-Modified-Since",
  ),
  Vary: header("Authorization, Accept: answers differ per key and per representation"),
};

const COMMON_RESPONSES = {
  "304": {
    description: "Not modified: If-None-Match matched the current ETag, or (without If-None-Match) the data is not newer than If-Modified-Since",
    headers: CACHE_HEADERS,
  },
  "401": errorResponse("ApiErrorUnauthorized", "Missing, unknown or expired API key"),
  "405": errorResponse("ApiErrorNotAllowed", "Any method but GET, HEAD and OPTIONS"),
  "422": errorResponse("ApiErrorUnprocessableEntity", "A query parameter is invalid; error_details names it"),
  "429": errorResponse("ApiErrorTooManyRequests", "Too many requests; retry after Retry-After seconds"),
  "503": errorResponse("ApiErrorServiceUnavailable", "The database is unavailable; retry after Retry-After seconds"),
};

// A parameter is described by what it parses to; one that parses to something JSON Schema cannot say
// (timezone: a zone name, canonicalised by a transform) is described by what it accepts.
function parameterSchema(param: z.core.$ZodType, names: z.core.$ZodRegistry<{ id: string }>, components: Components): Schema {
  const output = toSchema(param, names, components);
  return Object.keys(output).length > 0 ? output : toSchema(param, names, components, "input");
}

function operation(endpoint: Endpoint, names: z.core.$ZodRegistry<{ id: string }>, components: Components) {
  const descriptions: Record<string, string> = endpoint.parameterDescriptions;
  const parameters = Object.entries({ ...endpoint.query.shape, ...FormatQuerySchema.shape }).map(([name, param]) => ({
    name,
    in: "query",
    required: false,
    description: name === "format" ? FORMAT_DESCRIPTION : descriptions[name],
    schema: parameterSchema(param as z.core.$ZodType, names, components),
  }));
  const notFound = endpoint.notFound ? { "404": errorResponse("ApiErrorNotFound", endpoint.notFound) } : {};
  return {
    get: {
      operationId: endpoint.operationId,
      tags: [API_TAG.name],
      summary: endpoint.summary,
      parameters,
      responses: {
        "200": {
          description: "OK",
          headers: {
            ...CACHE_HEADERS,
            "Content-Disposition": header("CSV only: attachment; filename=\"<endpoint>_<parameters>.csv\""),
          },
          content: {
            "application/json": { schema: toSchema(endpoint.response.schema, names, components) },
            "text/csv": {
              schema: {
                type: "string",
                description: `RFC 4180: a header row (${Object.keys(endpoint.response.list.item.shape).join(", ")}), then one line per element of ${endpoint.response.list.key}, CRLF. Text starting with = + - @, tab or CR (but not a plain number) is prefixed with ' against spreadsheet formulas.`,
              },
            },
          },
        },
        ...COMMON_RESPONSES,
        ...notFound,
      },
    },
  };
}

export function buildOpenApiDocument(endpoints: readonly Endpoint[] = ENDPOINTS) {
  // Lago's names for the schemas a generated client sees (Currency, InvoicedUsageObject, …).
  const names = z.registry<{ id: string }>();
  names.add(CurrencySchema, { id: "Currency" });
  names.add(CountrySchema, { id: "Country" });
  for (const e of endpoints) {
    names.add(e.response.schema, { id: e.response.name });
    names.add(e.response.list.item, { id: e.response.list.name });
  }
  const components: Components = {};
  const paths = Object.fromEntries(endpoints.map((e) => [e.path, operation(e, names, components)]));
  return {
    openapi: "3.1.0",
    info: {
      title: "Lago edge analytics",
      version: "1.0.0",
      description: "Lago's analytics endpoints answered at the edge, per organization, exactly.",
    },
    servers: SERVERS,
    tags: [API_TAG],
    security: [{ bearerAuth: [] }],
    paths: {
      ...paths,
      [OPENAPI_PATH]: {
        get: {
          operationId: "getOpenApiDocument",
          tags: [API_TAG.name],
          summary: "This document",
          security: [],
          responses: {
            "200": { description: "OpenAPI 3.1 document", content: { "application/json": { schema: { type: "object" } } } },
            "405": COMMON_RESPONSES["405"],
          },
        },
      },
    },
    components: {
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "A Lago API key" } },
      schemas: { ...components, ...ERROR_SCHEMAS },
    },
  };
}
