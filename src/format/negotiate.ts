import * as z from "zod/mini";

// Which representation a request asks for: JSON (the default) or CSV. `format=csv` is for links
// (a spreadsheet's "import from URL", a download button); `Accept: text/csv` for HTTP clients.

export const FormatQuerySchema = z.object({ format: z.optional(z.enum(["json", "csv"])) });
export const FORMAT_DESCRIPTION =
  "json (the default) or csv. Without it, Accept: text/csv also answers CSV. Errors are always JSON.";

export type Format = { kind: "json" } | { kind: "csv"; filename: string };

/** CSV when asked by `format`, or, without it, when Accept ranks text/csv above application/json. */
export function wantsCsv(format: "json" | "csv" | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === "csv";
  const ranks = (accept ?? "").split(",").map((part) => {
    const [type = "", ...params] = part.split(";").map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    return { type, weight: Number.isFinite(weight) ? weight : 0 };
  });
  const weight = (type: string) => Math.max(0, ...ranks.filter((r) => r.type === type).map((r) => r.weight));
  return weight("text/csv") > 0 && weight("text/csv") > weight("application/json");
}

/**
 * `<endpoint>[_<name>-<value>…].csv` from the parameters the request gave, in their schema's order,
 * reduced to characters every file system and header accepts.
 */
export function csvFilename(route: string, params: Record<string, unknown>): string {
  const parts = [route];
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) parts.push(`${name}-${String(value)}`);
  }
  return `${parts.join("_").replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 150)}.csv`;
}
