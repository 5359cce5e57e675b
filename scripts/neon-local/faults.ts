// Faults the local Neon endpoint injects for one database name, so that a test can see how the
// Worker behaves when its database misbehaves without disturbing tests that use other names.
// Dev/test tooling only (the /__control/ routes exist only with `control: true`).
import type http from "node:http";

export const FAULT_KINDS = ["unavailable", "refused", "slow", "http_500", "malformed_json", "postgres_error"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type Fault = { kind: FaultKind; ms: number; code: string };

/** What the endpoint answers: JSON, raw text, or nothing at all (the connection is dropped). */
export type Reply = { status: number; body?: unknown; raw?: string; drop?: boolean; headers?: Record<string, string> };

// What a database's error messages may hold (names, values): the Worker must never echo them.
export const SIMULATED_DETAIL = "simulated fault: relation secret_ledger, value 'jane.doe@example.com'";

/**
 * `?kind=` one of FAULT_KINDS, `&ms=` the delay of `slow` (default 30 s), `&code=` the SQLSTATE of
 * `postgres_error` (default XX000, internal_error). A string is the reason the request is invalid.
 */
export function parseFault(params: URLSearchParams): Fault | string {
  const kind = params.get("kind") ?? "";
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) return `kind must be one of ${FAULT_KINDS.join(", ")}`;
  const ms = Number(params.get("ms") ?? 30_000);
  if (!Number.isInteger(ms) || ms < 0 || ms > 600_000) return "ms must be an integer from 0 to 600000";
  const code = params.get("code") ?? "XX000";
  if (!/^[0-9A-Z]{5}$/.test(code)) return "code must be a SQLSTATE (5 characters, 0-9 A-Z)";
  return { kind: kind as FaultKind, ms, code };
}

/**
 * Before the query runs: the reply that replaces it, or undefined to go on (after the delay of
 * `slow`). `refused` closes the connection without answering a byte: to the driver this is the
 * same failure as a refused connection ("Error connecting to database: Network connection lost"),
 * and unlike a real refusal it can be scoped to one database name, which only arrives once the
 * connection is open. (workerd logs each such connection loss on stderr; that is expected.)
 */
export async function faultBefore(fault: Fault | undefined, req: http.IncomingMessage): Promise<Reply | undefined> {
  switch (fault?.kind) {
    case "unavailable":
      return { status: 503, body: { message: "database unavailable (simulated outage)" } };
    case "refused":
      for await (const _ of req) void _; // the whole request is read: only the answer is missing
      return { status: 0, drop: true };
    case "http_500":
      return { status: 500, body: { message: SIMULATED_DETAIL } };
    case "postgres_error":
      // The shape Neon gives a Postgres ErrorResponse: HTTP 400 with the error's fields.
      return { status: 400, body: { message: SIMULATED_DETAIL, code: fault.code, severity: "ERROR" } };
    case "slow":
      await new Promise((resolve) => setTimeout(resolve, fault.ms).unref());
      // The client gave up meanwhile: do not run its query for nobody.
      return req.socket.destroyed ? { status: 0, drop: true } : undefined;
    default:
      return undefined;
  }
}

/** After the query ran: `malformed_json` answers 200 with only the first half of the real body. */
export function faultAfter(fault: Fault | undefined, reply: Reply): Reply {
  if (fault?.kind !== "malformed_json" || reply.status !== 200) return reply;
  const text = JSON.stringify(reply.body ?? {});
  return { ...reply, body: undefined, raw: text.slice(0, Math.max(1, Math.floor(text.length / 2))) };
}
