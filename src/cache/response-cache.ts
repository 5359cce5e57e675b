import type { Context } from "hono";
import { databaseErrorCode, isDatabaseUnavailable } from "../db-errors.ts";
import type { CacheConfig } from "../config.ts";
import type { AppEnv } from "../endpoint.ts";
import { ApiError } from "../errors.ts";
import { errorNames, logEvent } from "../log.ts";
import { enforceRateLimit } from "../rate-limit.ts";
import { deferrer } from "./background.ts";
import { createEntry, discard, type Entry, type Loaded, readEntry, writeEntry } from "./entry.ts";
import { CACHE_NAME, type CacheParams, type CachedRoute, responseCacheKey } from "./key.ts";
import { reply, requestsNoCache } from "./reply.ts";

// Keys whose refresh is running in this isolate, with its start: one refresh at a time per entry.
// A refresh older than the lease is presumed lost (its waitUntil was cut short) and may be retried.
const refreshing = new Map<string, number>();
const REFRESH_LEASE_MS = 30_000;

/**
 * Answers a route's 200 from the Cache API when it can, and from `load` when it must, in the
 * representation the request asked for (c.var.format). `params` are the route's parameters after
 * parsing, with every default applied: requests that mean the same thing share an entry (one per
 * representation). Whatever `load` throws (404, 422, 5xx) is never stored.
 */
export async function cachedAnswer(c: Context<AppEnv>, params: CacheParams, load: () => Promise<Loaded>) {
  const { config, organizationId, endpoint, format } = c.var;
  const { staleWhileRevalidate, staleIfError } = config.cache;
  const route = endpoint.cache.route;
  // Every endpoint has a lifetime (config.ts derives them from the endpoint list); unknown = never fresh.
  const ttl = config.cache.ttl[route] ?? 0;
  const csv = { key: endpoint.response.list.key, columns: Object.keys(endpoint.response.list.item.shape) };
  const render = async (loaded: Loaded) => createEntry(loaded, Date.now(), format, csv);
  const keyParams = format.kind === "csv" ? { ...params, format: "csv" } : params;
  const key = responseCacheKey({ region: config.region, organizationId, route, params: keyParams });
  const filename = format.kind === "csv" ? format.filename : undefined;
  const lookupStarted = Date.now();
  const cache = await caches.open(CACHE_NAME);
  const entry = await readEntry(cache, key);
  const timing = [`cache;dur=${Date.now() - lookupStarted}`];
  const noCache = requestsNoCache(c.req.header("Cache-Control"));
  const ageMs = entry ? Math.max(0, Date.now() - entry.storedAt) : 0;
  const ttlLeft = Math.floor((ttl * 1000 - ageMs) / 1000);
  const served = (status: string) => ({ ttlLeft, ageSeconds: Math.floor(ageMs / 1000), timing, status, filename });

  if (entry && !noCache) {
    if (ageMs < ttl * 1000) return reply(c, entry, served(`hit; ttl=${ttlLeft}`));
    if (ageMs < (ttl + staleWhileRevalidate) * 1000) {
      refreshInBackground(c, { cache, key, route, load: async () => render(await load()), retentionSeconds: retention(config.cache, ttl) });
      return reply(c, entry, served(`hit; ttl=${ttlLeft}; detail=stale-while-revalidate`));
    }
  }

  // Only a request that goes to the database counts against its organization's limit (a 429 here).
  await enforceRateLimit(c).catch(async (err: unknown) => {
    await discard(entry);
    throw err;
  });
  // RFC 9211 fwd: why the database was asked.
  const fwd = noCache ? "request" : entry ? "stale" : "miss";
  const loadStarted = Date.now();
  let fresh: Entry;
  try {
    fresh = await render(await load());
  } catch (err) {
    // stale-if-error: the last good answer beats a 5xx, for a bounded time. A 4xx is an answer, not a failure.
    if (!entry || !isFailure(err) || ageMs >= (ttl + staleIfError) * 1000) {
      await discard(entry);
      throw err;
    }
    timing.push(`db;desc=error;dur=${Date.now() - loadStarted}`);
    logFailure(c, "served stale: database failed", route, err);
    return reply(c, entry, served(`fwd=${fwd}; fwd-status=${failureStatus(err)}; ttl=${ttlLeft}; detail=stale-if-error`));
  }
  await discard(entry);
  timing.push(`db;dur=${Date.now() - loadStarted}`);
  const seconds = retention(config.cache, ttl);
  if (seconds > 0) deferrer(c)(writeEntry(cache, key, fresh, seconds).catch(() => undefined));
  const status = `fwd=${fwd}${seconds > 0 ? "; stored" : ""}`;
  return reply(c, fresh, { ttlLeft: ttl, ageSeconds: 0, timing, status, filename });
}

// The Cache API keeps an entry as long as any rule may still serve it; 0 (every lifetime 0) = never stored.
const retention = (cache: CacheConfig, ttl: number) => ttl + Math.max(cache.staleWhileRevalidate, cache.staleIfError);

type Refresh = { cache: Cache; key: string; route: CachedRoute; load: () => Promise<Entry>; retentionSeconds: number };

function refreshInBackground(c: Context<AppEnv>, { cache, key, route, load, retentionSeconds }: Refresh) {
  const started = refreshing.get(key);
  if (started !== undefined && Date.now() - started < REFRESH_LEASE_MS) return;
  refreshing.set(key, Date.now());
  const work = (async () => {
    try {
      const fresh = await load();
      const stored = writeEntry(cache, key, fresh, retentionSeconds);
      await discard(fresh); // nobody is waiting for this copy: only the stored branch is read
      await stored;
    } catch (err) {
      // A 4xx now (the billing entity was deleted) means the stored 200 is wrong, not just old.
      if (!isFailure(err)) await cache.delete(key).catch(() => false);
      else logFailure(c, "background refresh failed", route, err);
    } finally {
      refreshing.delete(key);
    }
  })();
  deferrer(c)(work);
}

const isFailure = (err: unknown) => !(err instanceof ApiError && err.status < 500);
const failureStatus = (err: unknown) =>
  err instanceof ApiError ? err.status : isDatabaseUnavailable(err) ? 503 : 500;

// Same fields as the error handler's log line: names and codes, never a message or a parameter.
function logFailure(c: Context<AppEnv>, msg: string, route: CachedRoute, err: unknown) {
  const { error, cause } = errorNames(err);
  logEvent("warn", msg, { request_id: c.get("requestId"), route, error, cause, sqlstate: databaseErrorCode(err) });
}
