import { isDatabaseUnavailable } from "../db-errors.ts";
import type { Database } from "../env.ts";
import { logEvent } from "../log.ts";
import { findLiveApiKey, type LiveApiKey } from "../queries/api-keys.ts";
import { apiKeyCacheKey, CACHE_NAME, sha256Hex } from "./key.ts";

type Deps = {
  db: Database;
  region: string;
  /** Seconds a lookup is fresh; 0 = always ask the database (and remember nothing). */
  ttl: number;
  /** Seconds past that a lookup still authenticates while the database cannot be reached. */
  staleIfError: number;
  /** Runs work after the response (executionCtx.waitUntil), so a cache write never delays it. */
  defer: (work: Promise<unknown>) => void;
  /** For the warning logged when a stale lookup stands in for the database. */
  requestId: string;
};

/** Who a key speaks for: its organization, and that organization's own time zone. */
export type KeyOwner = { organizationId: string; organizationTimeZone: string };

/**
 * A stored lookup: the key's owner and expiry, or (`unknown`) the database's answer that no live key
 * has this hash. `stored_at` is when the database said so.
 */
type Entry =
  | { unknown?: undefined; organization_id: string; organization_time_zone: string; expires_at: number | null; stored_at: number }
  | { unknown: true; stored_at: number };

/**
 * How long "no such key" is remembered: a flood of requests with one bad key costs a lookup every
 * few seconds, and a key created in Lago works within that time.
 */
export const UNKNOWN_KEY_SECONDS = 5;

export type LookupDecision = "fresh" | "stale" | "expired" | "unknown" | "miss";

/** What a stored lookup is worth at `now` (pure: tested on its own). */
export function decide(entry: Entry | undefined, now: number, ttl: number): LookupDecision {
  if (!entry) return "miss";
  const ageMs = now - entry.stored_at;
  if (entry.unknown) return ageMs < UNKNOWN_KEY_SECONDS * 1000 ? "unknown" : "miss";
  if (entry.expires_at !== null && entry.expires_at <= now) return "expired";
  return ageMs < ttl * 1000 ? "fresh" : "stale";
}

// Concurrent requests with the same key in this isolate share one database lookup.
const inFlight = new Map<string, Promise<LiveApiKey | undefined>>();

/**
 * The owner of a live API key. Lookups are stored in the Cache API under the key's SHA-256 (never the
 * key): a fresh one answers without the database; a stale one is checked again, but still
 * authenticates for `staleIfError` seconds when the database cannot be reached, so stored answers
 * keep being served through an outage (expires_at is checked on every use, whatever the database).
 * A key the database does not know is remembered for UNKNOWN_KEY_SECONDS.
 */
export async function organizationForApiKey(deps: Deps, key: string): Promise<KeyOwner | undefined> {
  if (deps.ttl === 0) return await findLiveApiKey(deps.db, key);
  const hash = await sha256Hex(key);
  const url = apiKeyCacheKey(deps.region, hash);
  const cache = await caches.open(CACHE_NAME);
  const cached = await readEntry(cache, url);
  const decision = decide(cached, Date.now(), deps.ttl);
  if (decision === "unknown") return undefined;
  if (decision === "expired") {
    // The entry goes, so should the expiry have been moved, the next request asks the database again.
    deps.defer(cache.delete(url).catch(() => false));
    return undefined;
  }
  if (decision === "fresh" && cached && !cached.unknown) return owner(cached);

  let live: LiveApiKey | undefined;
  try {
    live = await lookUp(deps.db, `${deps.region}:${hash}`, key);
  } catch (err) {
    const stale = decision === "stale" && cached && !cached.unknown ? cached : undefined;
    if (stale && isDatabaseUnavailable(err) && Date.now() - stale.stored_at < (deps.ttl + deps.staleIfError) * 1000) {
      logEvent("warn", "authenticated from a stale key lookup: database failed", { request_id: deps.requestId });
      return owner(stale);
    }
    throw err;
  }
  deps.defer(store(cache, url, live, deps).catch(() => undefined));
  return live;
}

function lookUp(db: Database, id: string, key: string): Promise<LiveApiKey | undefined> {
  const running = inFlight.get(id);
  if (running) return running;
  const lookup = findLiveApiKey(db, key).finally(() => inFlight.delete(id));
  inFlight.set(id, lookup);
  return lookup;
}

const owner = (e: { organization_id: string; organization_time_zone: string }): KeyOwner => ({
  organizationId: e.organization_id,
  organizationTimeZone: e.organization_time_zone,
});

async function store(cache: Cache, url: string, live: LiveApiKey | undefined, deps: Deps): Promise<void> {
  const now = Date.now();
  if (!live) {
    const entry: Entry = { unknown: true, stored_at: now };
    await cache.put(url, response(entry, UNKNOWN_KEY_SECONDS));
    return;
  }
  const expiresAt = live.expiresAt === null ? null : Date.parse(`${live.expiresAt.replace(" ", "T")}Z`);
  const secondsLeft = expiresAt === null ? Infinity : Math.floor((expiresAt - now) / 1000);
  const maxAge = Math.min(deps.ttl + deps.staleIfError, secondsLeft);
  // An unparseable expiry (Postgres 'infinity', a year past 9999) is never cached: the database decides.
  if (!(maxAge > 0)) return;
  const entry: Entry = {
    organization_id: live.organizationId,
    organization_time_zone: live.organizationTimeZone,
    expires_at: expiresAt,
    stored_at: now,
  };
  await cache.put(url, response(entry, maxAge));
}

const response = (entry: Entry, maxAge: number) =>
  new Response(JSON.stringify(entry), { headers: { "Cache-Control": `public, max-age=${maxAge}` } });

// A cache that fails or holds something unreadable is a miss: the database stays the authority.
async function readEntry(cache: Cache, url: string): Promise<Entry | undefined> {
  const response = await cache.match(url).catch(() => undefined);
  if (!response) return undefined;
  const entry = (await response.json().catch(() => undefined)) as
    | { unknown?: unknown; stored_at?: unknown; organization_id?: unknown; organization_time_zone?: unknown; expires_at?: unknown }
    | undefined;
  if (typeof entry?.stored_at !== "number") return undefined;
  if (entry.unknown === true) return { unknown: true, stored_at: entry.stored_at };
  const valid =
    typeof entry.organization_id === "string" &&
    typeof entry.organization_time_zone === "string" &&
    (entry.expires_at === null || typeof entry.expires_at === "number");
  return valid ? (entry as Entry) : undefined;
}
