import { chunkStream, csvChunks } from "../format/csv.ts";
import type { Format } from "../format/negotiate.ts";
import { sha256Hex } from "./key.ts";

/**
 * A rendered 200, as stored in the Cache API and as served. `dataAt` is when its data was read from
 * Lago's tables (its Last-Modified), `storedAt` when the answer was made (its Age).
 */
export type Entry = {
  body: string | ReadableStream<Uint8Array>;
  contentType: string;
  etag: string;
  storedAt: number;
  dataAt: number;
};

/** What a route's loader gives: the JSON answer, and when its data was read from Lago's tables. */
export type Loaded = { value: unknown; dataAt: number };

/** Where the CSV representation's rows are in the JSON answer, and its columns. */
export type CsvShape = { key: string; columns: readonly string[] };

const JSON_TYPE = "application/json";
export const CSV_TYPE = "text/csv; charset=utf-8";

// Internal: only on the stored copy, never on a response (replies are built from an Entry).
const STORED_AT = "Lago-Stored-At";
const DATA_AT = "Lago-Data-At";

/** A strong ETag: a digest of the exact bytes, so equal ETags mean byte-identical bodies. */
export async function createEntry(loaded: Loaded, now: number, format: Format, csv: CsvShape): Promise<Entry> {
  const common = { storedAt: now, dataAt: loaded.dataAt };
  if (format.kind === "json") {
    const body = JSON.stringify(loaded.value);
    return { ...common, body, contentType: JSON_TYPE, etag: `"${(await sha256Hex(body)).slice(0, 32)}"` };
  }
  const rows = (loaded.value as Record<string, Record<string, unknown>[]>)[csv.key] ?? [];
  const chunks = csvChunks(csv.columns, rows);
  // The digest of the chunks' digests: as exact as one over the whole text, without joining it.
  const digests = await Promise.all(chunks.map(sha256Hex));
  const etag = `"${(await sha256Hex(digests.join(""))).slice(0, 32)}"`;
  return { ...common, body: chunkStream(chunks), contentType: CSV_TYPE, etag };
}

// A cache that fails or holds something unreadable is a miss: the database stays the authority.
export async function readEntry(cache: Cache, key: string): Promise<Entry | undefined> {
  try {
    const response = await cache.match(key);
    if (!response) return undefined;
    const storedAt = Number(response.headers.get(STORED_AT));
    const dataAt = Number(response.headers.get(DATA_AT));
    const etag = response.headers.get("ETag");
    const contentType = response.headers.get("Content-Type") ?? JSON_TYPE;
    if (!(storedAt > 0 && dataAt > 0 && etag)) {
      await response.body?.cancel();
      return undefined;
    }
    return { body: response.body ?? "", contentType, etag, storedAt, dataAt };
  } catch {
    return undefined;
  }
}

/** Lets go of a stored body that will not be served. */
export async function discard(entry: Entry | undefined): Promise<void> {
  if (entry && typeof entry.body !== "string") await entry.body.cancel().catch(() => undefined);
}

/**
 * Our own freshness rules decide what is served; the Cache API only needs to keep the entry as
 * long as any of them may still use it. It stores only what is `public` (a `private` response is
 * never stored), so the stored copy says so; replies always say `private`. A streamed body is
 * split before this returns: one branch is stored, the other is left in the entry to be served.
 */
export function writeEntry(cache: Cache, key: string, entry: Entry, retentionSeconds: number): Promise<void> {
  const headers = {
    "Content-Type": entry.contentType,
    "Cache-Control": `public, max-age=${retentionSeconds}`,
    ETag: entry.etag,
    [STORED_AT]: String(entry.storedAt),
    [DATA_AT]: String(entry.dataAt),
  };
  let stored = entry.body;
  if (typeof entry.body !== "string") [stored, entry.body] = entry.body.tee();
  return cache.put(key, new Response(stored, { headers }));
}
