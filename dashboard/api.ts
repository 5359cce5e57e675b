// The page's one way to the API: same origin, the key as a Bearer header (never in a URL).

export const KEY_STORAGE = "lago-edge-analytics-api-key";

export type Params = Record<string, string>;
export type Answer = { ok: true; body: unknown; headers: Headers } | { ok: false; status: number; body: ApiErrorBody; headers: Headers };
export type ApiErrorBody = { status?: number; error?: string; code?: string; error_details?: Record<string, string[]>; request_id?: string };

export const apiKey = () => sessionStorage.getItem(KEY_STORAGE);

/** The query string of the non-empty parameters. */
export function queryString(params: Params): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== "") search.set(name, value);
  return search.toString();
}

export async function request(path: string, params: Params, opts: { fresh?: boolean; accept?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${apiKey() ?? ""}`, Accept: opts.accept ?? "application/json" };
  if (opts.fresh) headers["Cache-Control"] = "no-cache";
  return fetch(`${path}?${queryString(params)}`, { headers });
}

export async function getJson(path: string, params: Params, fresh = false): Promise<Answer> {
  const response = await request(path, params, { fresh });
  const body = (await response.json().catch(() => ({}))) as unknown;
  return response.ok ? { ok: true, body, headers: response.headers } : { ok: false, status: response.status, body: body as ApiErrorBody, headers: response.headers };
}
