// Decides whether a failure came from the database being unreachable or overloaded (503, retry later)
// rather than from a bug of ours (500). Neither answer ever echoes the database's message.

// SQLSTATE classes that mean "the database cannot serve right now", not "the query is wrong".
const UNAVAILABLE_SQLSTATE = /^(08|53|57|58|40001|40P01)/;

type MaybeDbError = { name?: unknown; code?: unknown; cause?: unknown; sourceError?: unknown };

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as MaybeDbError | undefined, depth = 0; e && depth < 5; e = e.cause as MaybeDbError, depth++) {
    if (e.name === "NeonDbError") {
      // The driver raises NeonDbError without a SQLSTATE for transport failures (refused, HTTP 5xx, bad JSON).
      return typeof e.code !== "string" || UNAVAILABLE_SQLSTATE.test(e.code);
    }
    if (e.name === "TimeoutError" || e.name === "AbortError") return true;
  }
  return false;
}
