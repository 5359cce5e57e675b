import { createMiddleware } from "hono/factory";
import { organizationForApiKey } from "../cache/api-key-cache.ts";
import { deferrer } from "../cache/background.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";

// Lago keys are UUID-like tokens; anything outside this shape cannot match and never reaches the database.
const BEARER = /^Bearer +([\x21-\x7E]{1,256})$/i;

export const apiKeyAuth = createMiddleware<AppEnv>(async (c, next) => {
  const match = BEARER.exec(c.req.header("Authorization") ?? "");
  const { db, config } = c.var;
  const lookup = { db, region: config.region, ttl: config.cache.apiKeyTtl, defer: deferrer(c) };
  const owner = match?.[1] ? await organizationForApiKey(lookup, match[1]) : undefined;
  if (!owner) throw new ApiError("UNAUTHORIZED");
  c.set("organizationId", owner.organizationId);
  c.set("organizationTimeZone", owner.organizationTimeZone);
  await next();
});
