import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";

// RateLimit and RateLimit-Policy as in the IETF draft (draft-ietf-httpapi-ratelimit-headers-09):
// one policy per organization, q requests per w seconds.
const POLICY_NAME = '"organization"';

/** Every authenticated answer states the policy, so a client can pace itself before it is refused. */
export const rateLimitPolicy = createMiddleware<AppEnv>(async (c, next) => {
  if (c.env.RATE_LIMITER) {
    const { requests, periodSeconds } = c.var.config.rateLimit;
    c.header("RateLimit-Policy", `${POLICY_NAME};q=${requests};w=${periodSeconds}`);
  }
  await next();
});

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
    const error = err instanceof Error ? err.name : typeof err;
    console.warn(JSON.stringify({ level: "warn", msg: "rate limiter failed: request allowed", request_id: c.get("requestId"), error }));
    return;
  }
  if (allowed) return;
  // The binding tells neither the count nor the window's end; a whole period is always enough.
  const { periodSeconds } = c.var.config.rateLimit;
  c.header("Retry-After", String(periodSeconds));
  c.header("RateLimit", `${POLICY_NAME};r=0;t=${periodSeconds}`);
  throw new ApiError("TOO_MANY_REQUESTS");
}
