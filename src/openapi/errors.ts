// Error bodies as Lago's OpenAPI document names and requires them; 429 and 503 are this service's own.

export const API_TAG = { name: "analytics", description: "Lago's analytics endpoints, per organization" };

const status = (example: number) => ({ type: "integer", format: "int32", example });
const text = (example: string) => ({ type: "string", example });

const errorSchema = (code: number, error: string, extra: Record<string, unknown> = {}, required: string[] = []) => ({
  type: "object",
  required: ["status", "error", ...required],
  properties: { status: status(code), error: text(error), ...extra },
});

export const ERROR_SCHEMAS = {
  ApiErrorUnauthorized: errorSchema(401, "Unauthorized"),
  ApiErrorNotFound: errorSchema(404, "Not Found", { code: text("billing_entity_not_found") }, ["code"]),
  ApiErrorNotAllowed: errorSchema(405, "Method Not Allowed", { code: text("not_allowed") }, ["code"]),
  ApiErrorUnprocessableEntity: errorSchema(
    422,
    "Unprocessable Entity",
    {
      code: text("validation_errors"),
      error_details: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
    },
    ["code", "error_details"],
  ),
  ApiErrorTooManyRequests: errorSchema(429, "Too Many Requests"),
  ApiErrorServiceUnavailable: errorSchema(503, "Service Unavailable", { request_id: text("9f0c…") }, ["request_id"]),
};

export const errorResponse = (schema: keyof typeof ERROR_SCHEMAS, description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: `#/components/schemas/${schema}` } } },
});
