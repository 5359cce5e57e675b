import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { organizationForApiKey } from "../cache/api-key-cache.ts";
import { deferrer } from "../cache/background.ts";
import type { AppEnv } from "../endpoint.ts";
import { ApiError } from "../errors.ts";

// Lago keys are UUID-like tokens; anything outside this shape cannot match and never reaches the database.
const BEARER = /^Bearer +([\x21-\x7E]{1,256})$/i;
/** AUTH_RATE_LIMITER's period in wrangler.toml (test/unit/wrangler-config.test.ts holds them equal). */
export const AUTH_LIMIT_PERIOD_SECONDS = 60;

export const apiKeyAuth = createMiddleware<AppEnv>(async (c, next) => {
  const match = BEARER.exec(c.req.header("Authorization") ?? "");
  const { db, config } = c.var;
  const lookup = {
    db,
    region: config.region,
    ttl: config.cache.apiKeyTtl,
    staleIfError: config.cache.staleIfError,
    defer: deferrer(c),
    requestId: c.get("requestId"),
  };
  const owner = match?.[1] ? await organizationForApiKey(lookup, match[1]) : undefined;
  if (!owner) {
    await limitFailures(c);
    throw new ApiError("UNAUTHORIZED");
  }
  c.set("organizationId", owner.organizationId);
  c.set("organizationTimeZone", owner.organizationTimeZone);
  await next();
});

/**
 * Requests that fail authentication count against their client address (CF-Connecting-IP) on a
 * limiter of their own: past its limit, a client guessing keys gets 429s instead of 401s.
 */
async function limitFailures(c: Context<AppEnv>): Promise<void> {
  const limiter = c.env.AUTH_RATE_LIMITER;
  if (!limiter) return;
  const address = c.req.header("CF-Connecting-IP") ?? "unknown";
  const allowed = await limiter.limit({ key: `auth:${address}` }).then((r) => r.success, () => true);
  if (allowed) return;
  c.header("Retry-After", String(AUTH_LIMIT_PERIOD_SECONDS));
  throw new ApiError("TOO_MANY_REQUESTS");
}
