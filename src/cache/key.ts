// Cache keys are URLs (the Cache API keys by URL). They live under a `.invalid` host (RFC 2606), which
// can never resolve: a key can never be fetched, nor collide with a real resource of the zone.
const ORIGIN = "https://lago-edge-analytics.invalid";
// Bumped whenever a cached body's shape or meaning changes, so a deployment never serves entries
// written by the previous one.
const FORMAT = "v1";

/** The one Cache API namespace of this service: our keys never mix with the zone's default cache. */
export const CACHE_NAME = "lago-edge-analytics";

/** An endpoint's cache route (its descriptor's `cache.route`). */
export type CachedRoute = string;

/** Parameters after parsing: defaults applied, case folded; undefined means "not filtered". */
export type CacheParams = Readonly<Record<string, string | number | boolean | undefined>>;

type ResponseKey = { region: string; organizationId: string; route: CachedRoute; params: CacheParams };

/**
 * The organization is a path segment of every response key, so no entry can ever be found by
 * another organization. Parameters are sorted and URL-encoded, so their order never matters and a
 * value can never spill into another parameter.
 */
export function responseCacheKey({ region, organizationId, route, params }: ResponseKey): string {
  const search = new URLSearchParams();
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    if (value !== undefined) search.append(name, String(value));
  }
  return `${ORIGIN}/${FORMAT}/${region}/organizations/${encodeURIComponent(organizationId)}/${route}?${search}`;
}

/** Keyed by the key's SHA-256, never the key itself: the raw key must not sit in any cache. */
export function apiKeyCacheKey(region: string, keyHash: string): string {
  return `${ORIGIN}/${FORMAT}/${region}/api-keys/${keyHash}`;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
