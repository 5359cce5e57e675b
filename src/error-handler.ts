import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { databaseErrorCode, isDatabaseUnavailable } from "./db-errors.ts";
import type { AppEnv } from "./endpoint.ts";
import { ApiError } from "./errors.ts";
import { errorNames, logEvent } from "./log.ts";

const RETRY_AFTER_SECONDS = "5";

/** Three tiers: our errors as they are, Hono's mapped to ours, anything else logged and answered generically. */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  const requestId = c.get("requestId") ?? crypto.randomUUID();
  const apiError = toApiError(err);
  if (apiError.status >= 500) {
    // The log keeps the error's class and SQLSTATE for the operator; the body keeps nothing of it.
    logEvent("error", undefined, { request_id: requestId, route: c.req.routePath, error: err.name, cause: errorNames(err).cause, sqlstate: databaseErrorCode(err) });
  }
  if (apiError.code === "UNAUTHORIZED") c.header("WWW-Authenticate", "Bearer");
  if (apiError.code === "SERVICE_UNAVAILABLE") c.header("Retry-After", RETRY_AFTER_SECONDS);
  return c.json(apiError.body(requestId), apiError.status);
}

function toApiError(err: Error): ApiError {
  if (err instanceof ApiError) return err;
  if (isDatabaseUnavailable(err)) return new ApiError("SERVICE_UNAVAILABLE", { cause: err });
  if (err instanceof HTTPException && err.status === 404) return new ApiError("NOT_FOUND", { bodyCode: "route_not_found" });
  if (err instanceof HTTPException && err.status === 401) return new ApiError("UNAUTHORIZED");
  return new ApiError("INTERNAL", { cause: err });
}
