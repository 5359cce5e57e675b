import { createMiddleware } from "hono/factory";
import { type CacheRoute, parseConfig } from "../config.ts";
import { deferrer } from "../cache/background.ts";
import { createDatabase } from "../db/client.ts";
import type { AppEnv } from "../endpoint.ts";
import { ApiError } from "../errors.ts";
import { logEvent } from "../log.ts";

// Configuration is checked at the fetch boundary: a missing or malformed secret answers a JSON 500
// and logs which setting is wrong, instead of crashing every request.
export const database = (routes: readonly CacheRoute[]) => createMiddleware<AppEnv>(async (c, next) => {
  const result = parseConfig(c.env, routes);
  if (!result.ok) {
    logEvent("error", "invalid configuration", { problems: result.problems });
    throw new ApiError("INTERNAL");
  }
  c.set("config", result.config);
  // One deadline for all the request's database calls together (docs/operations.md, "Faults"): a database that
  // hangs costs the client at most DATABASE_TIMEOUT_MS, then a stale answer or a 503.
  const timing = { ms: 0, queries: 0 };
  c.set("dbTiming", timing);
  const { databaseTimeoutMs } = result.config;
  const db = createDatabase(result.config, { signal: AbortSignal.timeout(databaseTimeoutMs), deadline: Date.now() + databaseTimeoutMs, timing });
  c.set("db", db);
  try {
    await next();
  } finally {
    // After the response: a connection (the Hyperdrive path) closes once background work is done with it.
    deferrer(c)(db.release());
  }
});
