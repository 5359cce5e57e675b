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
