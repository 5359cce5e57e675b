import type * as z from "zod/mini";
import { type ErrorDetails, validationError } from "../errors.ts";

// The reason a parameter gets when its schema names none: Lago's generic one.
const DEFAULT_REASON = "value_is_invalid";
const DUPLICATED_REASON = "value_is_duplicated";

/**
 * The one place that turns a query string into typed parameters or Lago's 422 shape:
 * `{"error_details": {"<param>": ["<reason code>"]}}`. Unknown parameters are ignored, as Lago does;
 * a known parameter given twice is rejected rather than silently picking one of its values.
 * `common` holds parameters every endpoint takes (the representation): parsed alike, reported together.
 */
export function parseQuery<S extends z.ZodMiniObject, C extends z.ZodMiniObject>(
  url: string,
  schema: S,
  common: C,
): { query: z.output<S>; common: z.output<C> } {
  const params = new URL(url).searchParams;
  const details: ErrorDetails = {};
  const parse = <T extends z.ZodMiniObject>(s: T) => {
    const input: Record<string, string> = {};
    for (const name of Object.keys(s.shape)) {
      const values = params.getAll(name);
      if (values.length > 1) details[name] = [DUPLICATED_REASON];
      else if (values[0] !== undefined) input[name] = values[0];
    }
    const result = s.safeParse(input, { error: () => DEFAULT_REASON });
    if (!result.success) {
      for (const issue of result.error.issues) {
        const name = String(issue.path[0] ?? "query");
        const reasons = (details[name] ??= []);
        if (!reasons.includes(issue.message)) reasons.push(issue.message);
      }
    }
    return result;
  };
  const query = parse(schema);
  const shared = parse(common);
  if (Object.keys(details).length > 0 || !query.success || !shared.success) throw validationError(details);
  return { query: query.data, common: shared.data };
}
