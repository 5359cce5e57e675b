import { expect } from "vitest";
import { exports } from "cloudflare:workers";

type Options = { apiKey?: string; headers?: Record<string, string>; method?: string };

/** Sends a request through the Worker's own fetch handler, as the edge would. */
export function callWorker(path: string, { apiKey, headers = {}, method = "GET" }: Options = {}) {
  const allHeaders = apiKey === undefined ? headers : { Authorization: `Bearer ${apiKey}`, ...headers };
  return (exports as unknown as { default: Fetcher }).default.fetch(
    new Request(`https://analytics.test${path}`, { method, headers: allHeaders }),
  );
}

export async function getJson(path: string, options: Options = {}) {
  const response = await callWorker(path, options);
  return { response, status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Asserts Lago's 422 shape, naming exactly these parameters with exactly these reasons. */
export async function expectValidationErrors(path: string, apiKey: string, details: Record<string, string[]>) {
  const { status, body } = await getJson(path, { apiKey });
  expect(status).toBe(422);
  expect(body).toEqual({ status: 422, error: "Unprocessable Entity", code: "validation_errors", error_details: details });
}

/** A query string for `params`, in an order of fast-check's choosing: order must never matter. */
export function queryString(params: Record<string, string | number | undefined>, order: number[]): string {
  const entries = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined);
  const ordered = entries.map((entry, i) => ({ entry, rank: order[i % Math.max(1, order.length)] ?? i })).sort((a, b) => a.rank - b.rank);
  return new URLSearchParams(ordered.map(({ entry: [k, v] }) => [k, String(v)])).toString();
}
