import type { Database } from "../env.ts";
import { findLiveApiKey } from "../queries/api-keys.ts";
import { apiKeyCacheKey, CACHE_NAME, sha256Hex } from "./key.ts";

type Deps = {
  db: Database;
  region: string;
  /** Seconds a lookup may be reused; 0 = always ask the database. */
  ttl: number;
  /** Runs work after the response (executionCtx.waitUntil), so a cache write never delays it. */
  defer: (work: Promise<unknown>) => void;
};

type Entry = { organization_id: string; organization_time_zone: string; expires_at: number | null };

/** Who a key speaks for: its organization, and that organization's own time zone. */
export type KeyOwner = { organizationId: string; organizationTimeZone: string };

const owner = (e: Entry): KeyOwner => ({ organizationId: e.organization_id, organizationTimeZone: e.organization_time_zone });

/**
 * The organization owning a live API key, from the Cache API when the key was looked up in the last
 * `ttl` seconds. Only successful lookups are stored: a key created a moment ago works at once.
 */
export async function organizationForApiKey(deps: Deps, key: string): Promise<KeyOwner | undefined> {
  if (deps.ttl === 0) return await findLiveApiKey(deps.db, key);
  const url = apiKeyCacheKey(deps.region, await sha256Hex(key));
  const cache = await caches.open(CACHE_NAME);
  const cached = await readEntry(cache, url);
  if (cached) {
    if (cached.expires_at === null || cached.expires_at > Date.now()) return owner(cached);
    // The key expired while its lookup was cached. Checking expires_at on every use means an entry
    // never outlives its key, whatever the cache's own expiry and clocks do. The entry goes, so
    // should the expiry have been moved, the next request asks the database again.
    deps.defer(cache.delete(url).catch(() => false));
    return undefined;
  }
  const live = await findLiveApiKey(deps.db, key);
  if (!live) return undefined;
  const expiresAt = live.expiresAt === null ? null : Date.parse(`${live.expiresAt.replace(" ", "T")}Z`);
  const secondsLeft = expiresAt === null ? Infinity : Math.floor((expiresAt - Date.now()) / 1000);
  const maxAge = Math.min(deps.ttl, secondsLeft);
  // An unparseable expiry (Postgres 'infinity', a year past 9999) is never cached: the database decides.
  if (maxAge > 0 && !Number.isNaN(maxAge)) {
    const entry: Entry = { organization_id: live.organizationId, organization_time_zone: live.organizationTimeZone, expires_at: expiresAt };
    const stored = new Response(JSON.stringify(entry), { headers: { "Cache-Control": `public, max-age=${maxAge}` } });
    deps.defer(cache.put(url, stored).catch(() => undefined));
  }
  return live;
}

// A cache that fails or holds something unreadable is a miss: the database stays the authority.
async function readEntry(cache: Cache, url: string): Promise<Entry | undefined> {
  const response = await cache.match(url).catch(() => undefined);
  if (!response) return undefined;
  const entry = (await response.json().catch(() => undefined)) as Partial<Entry> | undefined;
  const valid =
    typeof entry?.organization_id === "string" &&
    typeof entry.organization_time_zone === "string" &&
    (entry.expires_at === null || typeof entry.expires_at === "number");
  return valid ? (entry as Entry) : undefined;
}
