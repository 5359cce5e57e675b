import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../endpoint.ts";
import { logEvent } from "../log.ts";

/** Each known path with the names of the query parameters it reads. */
export type KnownRoutes = Record<string, readonly string[]>;

/**
 * One JSON line per request, written once the response is ready: who (request and organization
 * ids), what (method, route, status, cache outcome, which parameters were given), and how long
 * (total and database). Only values the service made up or looked up are written: never the API
 * key, never a query-string value, never an unknown path or parameter name (a client chose those,
 * and they may hold personal data). Failures add their own error/warn line with the same request_id.
 */
export function requestLog(routes: KnownRoutes) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = Date.now();
    await next();
    const known = Object.hasOwn(routes, c.req.path) ? routes[c.req.path] : undefined;
    const names = [...new Set(new URL(c.req.url).searchParams.keys())];
    const timing = c.get("dbTiming");
    logEvent("info", "request", {
      request_id: c.get("requestId"),
      method: c.req.method,
      route: known ? c.req.path : null,
      status: c.res.status,
      organization_id: c.get("organizationId") ?? null,
      cache: cacheOutcome(c.res.headers.get("Cache-Status")),
      db_ms: timing?.ms ?? 0,
      db_queries: timing?.queries ?? 0,
      duration_ms: Date.now() - started,
      params: names.filter((name) => known?.includes(name)).sort(),
      unknown_params: names.filter((name) => !known?.includes(name)).length,
    });
  });
}

/**
 * The cache's verdict from our Cache-Status (RFC 9211): hit, stale-while-revalidate, miss, expired
 * (too stale, refreshed before answering), bypass (no-cache), stale-if-error; null when the cache
 * was not consulted (errors, the OpenAPI document).
 */
export function cacheOutcome(cacheStatus: string | null): string | null {
  if (!cacheStatus) return null;
  const params = cacheStatus.split(";").slice(1).map((p) => p.trim());
  const value = (name: string) => params.find((p) => p.startsWith(`${name}=`))?.slice(name.length + 1);
  const detail = value("detail");
  if (detail) return detail;
  if (params.includes("hit")) return "hit";
  const fwd = value("fwd");
  return fwd === "request" ? "bypass" : fwd === "stale" ? "expired" : (fwd ?? null);
}
