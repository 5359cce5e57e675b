import type { ContentfulStatusCode } from "hono/utils/http-status";

// Every error the service answers with is one of these codes; the status and body follow from it.
// `code` is the body's code when the thrower names none: Lago's schemas require one on 405 and 422.
const ERRORS = {
  UNAUTHORIZED: { status: 401, error: "Unauthorized" },
  NOT_FOUND: { status: 404, error: "Not Found" },
  METHOD_NOT_ALLOWED: { status: 405, error: "Method Not Allowed", code: "not_allowed" },
  VALIDATION_ERRORS: { status: 422, error: "Unprocessable Entity", code: "validation_errors" },
  TOO_MANY_REQUESTS: { status: 429, error: "Too Many Requests" },
  INTERNAL: { status: 500, error: "Internal Server Error" },
  SERVICE_UNAVAILABLE: { status: 503, error: "Service Unavailable" },
} as const satisfies Record<string, { status: ContentfulStatusCode; error: string; code?: string }>;

export type ErrorCode = keyof typeof ERRORS;
export type ErrorDetails = Record<string, string[]>;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly bodyCode: string | undefined;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, opts: { bodyCode?: string; details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, { cause: opts.cause });
    this.name = "ApiError";
    this.code = code;
    this.bodyCode = opts.bodyCode;
    this.details = opts.details;
  }

  get status(): ContentfulStatusCode {
    return ERRORS[this.code].status;
  }

  body(requestId: string): Record<string, unknown> {
    const spec: { status: number; error: string; code?: string } = ERRORS[this.code];
    const { status, error } = spec;
    const body: Record<string, unknown> = { status, error };
    const code = this.bodyCode ?? spec.code;
    if (code) body.code = code;
    if (this.details) body.error_details = this.details;
    if (status >= 500) body.request_id = requestId;
    return body;
  }
}

export const notFound = (thing: string) => new ApiError("NOT_FOUND", { bodyCode: `${thing}_not_found` });

export const validationError = (details: ErrorDetails) => new ApiError("VALIDATION_ERRORS", { details });
