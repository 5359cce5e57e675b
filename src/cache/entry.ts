import { sha256Hex } from "./key.ts";

/** A rendered 200 body, as stored in the Cache API and as served. */
export type Entry = { body: string; etag: string; storedAt: number };

// Internal: only on the stored copy, never on a response (replies are built from an Entry).
const STORED_AT = "Lago-Stored-At";

/** A strong ETag: a digest of the exact bytes, so equal ETags mean byte-identical bodies. */
export async function createEntry(value: unknown, now: number): Promise<Entry> {
  const body = JSON.stringify(value);
  return { body, etag: `"${(await sha256Hex(body)).slice(0, 32)}"`, storedAt: now };
}

// A cache that fails or holds something unreadable is a miss: the database stays the authority.
export async function readEntry(cache: Cache, key: string): Promise<Entry | undefined> {
  try {
    const response = await cache.match(key);
    if (!response) return undefined;
    const storedAt = Number(response.headers.get(STORED_AT));
    const etag = response.headers.get("ETag");
    const body = await response.text();
    return Number.isFinite(storedAt) && storedAt > 0 && etag ? { body, etag, storedAt } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Our own freshness rules decide what is served; the Cache API only needs to keep the entry as
 * long as any of them may still use it. It stores only what is `public` (a `private` response is
 * never stored), so the stored copy says so; replies always say `private`.
 */
export async function writeEntry(cache: Cache, key: string, entry: Entry, retentionSeconds: number): Promise<void> {
  const headers = {
    "Content-Type": "application/json",
    "Cache-Control": `public, max-age=${retentionSeconds}`,
    ETag: entry.etag,
    [STORED_AT]: String(entry.storedAt),
  };
  await cache.put(key, new Response(entry.body, { headers }));
}
