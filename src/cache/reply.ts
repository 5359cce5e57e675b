import type { Context } from "hono";
import type { Entry } from "./entry.ts";

// The cache's name in Cache-Status (RFC 9211), so a client can tell our verdict from any other cache's.
const CACHE_STATUS_NAME = "lago-edge-analytics";

export type ReplyInfo = {
  /** Cache-Status parameters after the cache's name, e.g. "hit; ttl=120" or "fwd=miss; stored". */
  status: string;
  /** Seconds of freshness left at this moment; negative when stale. */
  ttlLeft: number;
  ageSeconds: number;
  /** Server-Timing metrics, e.g. "db;dur=12". */
  timing: string[];
  /** Set for a CSV answer: it is a download. */
  filename?: string | undefined;
};

/** A 200 with the entry's body, or a 304 when the client already holds the same bytes (or data). */
export function reply(c: Context, entry: Entry, info: ReplyInfo): Response {
  const headers: Record<string, string> = {
    "Cache-Control": `private, max-age=${Math.max(0, info.ttlLeft)}`,
    ETag: entry.etag,
    "Last-Modified": new Date(entry.dataAt).toUTCString(),
    Age: String(info.ageSeconds),
    "Cache-Status": `${CACHE_STATUS_NAME}; ${info.status}`,
    "Server-Timing": info.timing.join(", "),
    // The body depends on whose key asked, and in which representation: a browser's private cache
    // must not reuse it for another key, nor a CSV for a JSON request.
    Vary: "Authorization, Accept",
  };
  if (notModified(c, entry)) {
    if (typeof entry.body !== "string") void entry.body.cancel().catch(() => undefined);
    return c.body(null, 304, headers);
  }
  if (info.filename) headers["Content-Disposition"] = `attachment; filename="${info.filename}"`;
  return c.body(entry.body, 200, { ...headers, "Content-Type": entry.contentType });
}

/** `Cache-Control: no-cache` on the request: the client wants the database's answer, not a stored one. */
export function requestsNoCache(cacheControl: string | undefined): boolean {
  return (cacheControl ?? "").split(",").some((d) => d.trim().toLowerCase() === "no-cache");
}

// RFC 9110 13.2.2: If-None-Match decides when present; If-Modified-Since only without it.
function notModified(c: Context, entry: Entry): boolean {
  const ifNoneMatch = c.req.header("If-None-Match");
  if (ifNoneMatch !== undefined) return matchesAny(ifNoneMatch, entry.etag);
  const since = Date.parse(c.req.header("If-Modified-Since") ?? "");
  // HTTP dates have whole seconds: data read at 10:00:00.700 is "not modified since 10:00:00".
  return Number.isFinite(since) && Math.floor(entry.dataAt / 1000) * 1000 <= since;
}

// If-None-Match uses the weak comparison (RFC 9110 13.1.2): a W/ prefix added on the way (a proxy
// compressing the body) does not prevent a 304.
function matchesAny(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === "*") return true;
  return ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}
