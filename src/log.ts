// The service's log lines: one JSON object per event, written to the console stream of its level
// (Workers Logs and `wrangler tail` keep the fields). Callers pass names, codes and counts only:
// never an error's message, a parameter's value or a key.
export type LogLevel = "info" | "warn" | "error";

/** One line: `level`, then `msg` when there is one, then the fields, in that order. */
export function logEvent(level: LogLevel, msg: string | undefined, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, ...(msg === undefined ? {} : { msg }), ...fields });
  // Looked up at each call, so that a test's spy on the console sees the line.
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** An error as a log line may name it: its class, and its cause's. */
export const errorNames = (err: unknown) => ({
  error: err instanceof Error ? err.name : typeof err,
  cause: err instanceof Error && err.cause instanceof Error ? err.cause.name : undefined,
});
