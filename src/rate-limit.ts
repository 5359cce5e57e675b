// The per-organization rate limit (docs/operations.md, "Rate limiting"), counted where a request is
// about to ask the database; src/middleware/rate-limit.ts states the policy on every answer.
import type { Context } from "hono";
import type { AppEnv } from "./endpoint.ts";
import { ApiError } from "./errors.ts";
import { errorNames, logEvent } from "./log.ts";

// RateLimit and RateLimit-Policy as in the IETF draft (draft-ietf-httpapi-ratelimit-headers-09):
// one policy per organization, q requests per w seconds.
export const POLICY_NAME = '"organization"';

/**
 * Counts one request against the organization's limit and refuses it with a 429 when the limit is
 * reached. Called only for requests that are about to ask the database: a cache hit costs the
 * database nothing and is never counted (docs/operations.md, "Rate limiting").
 */
export async function enforceRateLimit(c: Context<AppEnv>): Promise<void> {
  const limiter = c.env.RATE_LIMITER;
  if (!limiter) return;
  let allowed: boolean;
  try {
    allowed = (await limiter.limit({ key: c.var.organizationId })).success;
  } catch (err) {
    // The limiter protects the database; failing to count is no reason to refuse a client.
    logEvent("warn", "rate limiter failed: request allowed", { request_id: c.get("requestId"), error: errorNames(err).error });
    return;
  }
  if (allowed) return;
  // The binding tells neither the count nor the window's end; a whole period is always enough.
  const { periodSeconds } = c.var.config.rateLimit;
  c.header("Retry-After", String(periodSeconds));
  c.header("RateLimit", `${POLICY_NAME};r=0;t=${periodSeconds}`);
  throw new ApiError("TOO_MANY_REQUESTS");
}
