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
};

/** A 200 with the entry's body, or a 304 when the client already holds the same bytes. */
export function reply(c: Context, entry: Entry, info: ReplyInfo): Response {
  const headers: Record<string, string> = {
    "Cache-Control": `private, max-age=${Math.max(0, info.ttlLeft)}`,
    ETag: entry.etag,
    Age: String(info.ageSeconds),
    "Cache-Status": `${CACHE_STATUS_NAME}; ${info.status}`,
    "Server-Timing": info.timing.join(", "),
    // The body depends on whose key asked: a browser's private cache must not reuse it for another key.
    Vary: "Authorization",
  };
  if (matchesAny(c.req.header("If-None-Match"), entry.etag)) return c.body(null, 304, headers);
  return c.body(entry.body, 200, { ...headers, "Content-Type": "application/json" });
}

/** `Cache-Control: no-cache` on the request: the client wants the database's answer, not a stored one. */
export function requestsNoCache(cacheControl: string | undefined): boolean {
  return (cacheControl ?? "").split(",").some((d) => d.trim().toLowerCase() === "no-cache");
}

// If-None-Match uses the weak comparison (RFC 9110 13.1.2): a W/ prefix added on the way (a proxy
// compressing the body) does not prevent a 304.
function matchesAny(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === "*") return true;
  return ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}
