// Decides whether a failure came from a call to the database. Every such failure is a 503 for the
// client (retry later; a stored answer may be served instead, see cache/response-cache.ts), whatever
// its cause: the endpoint unreachable or refusing, the request's deadline passed, an HTTP error, an
// answer that is not valid JSON, or a Postgres error. A Postgres error is a 503 too, even one that
// would mean a bug of ours (a 42xxx): the client cannot tell and should retry either way, and the
// log line keeps the SQLSTATE so the operator can (see databaseErrorCode). Neither answer ever
// echoes the database's message.
import { DrizzleQueryError } from "drizzle-orm";

type MaybeDbError = { name?: unknown; code?: unknown; severity?: unknown; cause?: unknown };

// A Postgres ErrorResponse as each driver reports it: Neon's NeonDbError, node-postgres's
// DatabaseError (named after the protocol message, "error", with the response's severity).
const isPostgresError = (e: MaybeDbError) => e.name === "NeonDbError" || (e.name === "error" && typeof e.severity === "string");

// Drizzle wraps whatever one of its calls to the driver throws in a DrizzleQueryError (by class,
// which survives minification); the driver's own errors and the deadline's abort are named.
const isDatabaseError = (e: MaybeDbError) =>
  e instanceof DrizzleQueryError || e.name === "NeonDbError" || e.name === "TimeoutError" || e.name === "AbortError";

export function isDatabaseUnavailable(err: unknown): boolean {
  return causes(err).some(isDatabaseError);
}

/** The SQLSTATE of a Postgres error anywhere in the chain, for logs only. */
export function databaseErrorCode(err: unknown): string | undefined {
  const code = causes(err).find((e) => isPostgresError(e) && typeof e.code === "string")?.code;
  return code as string | undefined;
}

/** The first SQLSTATE-shaped code anywhere in the chain (any driver's error, not only Neon's). */
export function sqlStateOf(err: unknown): string | undefined {
  const code = causes(err).find((e) => typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code))?.code;
  return code as string | undefined;
}

/** True when an error anywhere in the chain carries one of these SQLSTATEs. */
export function hasSqlState(err: unknown, codes: ReadonlySet<string>): boolean {
  return causes(err).some((e) => typeof e.code === "string" && codes.has(e.code));
}

function causes(err: unknown): MaybeDbError[] {
  const chain: MaybeDbError[] = [];
  for (let e = err as MaybeDbError | undefined; e && typeof e === "object" && chain.length < 5; e = e.cause as MaybeDbError) {
    chain.push(e);
  }
  return chain;
}
