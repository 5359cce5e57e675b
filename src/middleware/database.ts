import { createMiddleware } from "hono/factory";
import { parseConfig } from "../config.ts";
import { deferrer } from "../cache/background.ts";
import { createDatabase } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";

// Configuration is checked at the fetch boundary: a missing or malformed secret answers a JSON 500
// and logs which setting is wrong, instead of crashing every request.
export const database = createMiddleware<AppEnv>(async (c, next) => {
  const result = parseConfig(c.env);
  if (!result.ok) {
    console.error(JSON.stringify({ level: "error", msg: "invalid configuration", problems: result.problems }));
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
