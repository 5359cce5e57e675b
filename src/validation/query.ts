import type * as z from "zod/mini";
import { type ErrorDetails, validationError } from "../errors.ts";

// The reason a parameter gets when its schema names none: Lago's generic one.
const DEFAULT_REASON = "value_is_invalid";
const DUPLICATED_REASON = "value_is_duplicated";

/**
 * The one place that turns a query string into typed parameters or Lago's 422 shape:
 * `{"error_details": {"<param>": ["<reason code>"]}}`. Unknown parameters are ignored, as Lago does;
 * a known parameter given twice is rejected rather than silently picking one of its values.
 */
export function parseQuery<S extends z.ZodMiniObject>(url: string, schema: S): z.output<S> {
  const params = new URL(url).searchParams;
  const input: Record<string, string> = {};
  const details: ErrorDetails = {};
  for (const name of Object.keys(schema.shape)) {
    const values = params.getAll(name);
    if (values.length > 1) details[name] = [DUPLICATED_REASON];
    else if (values[0] !== undefined) input[name] = values[0];
  }
  const result = schema.safeParse(input, { error: () => DEFAULT_REASON });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? "query");
      const reasons = (details[name] ??= []);
      if (!reasons.includes(issue.message)) reasons.push(issue.message);
    }
  }
  if (Object.keys(details).length > 0 || !result.success) throw validationError(details);
  return result.data;
}
