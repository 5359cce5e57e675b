import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { findOrganizationIdByApiKey } from "../queries/api-keys.ts";

// Lago keys are UUID-like tokens; anything outside this shape cannot match and never reaches the database.
const BEARER = /^Bearer +([\x21-\x7E]{1,256})$/i;

export const apiKeyAuth = createMiddleware<AppEnv>(async (c, next) => {
  const match = BEARER.exec(c.req.header("Authorization") ?? "");
  const organizationId = match?.[1] ? await findOrganizationIdByApiKey(c.var.db, match[1]) : undefined;
  if (!organizationId) throw new ApiError("UNAUTHORIZED");
  c.set("organizationId", organizationId);
  await next();
});
