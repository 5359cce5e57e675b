// One call to Lago's current_usage API for a due subscription, and what its answer means. The key
// goes in the Authorization header to LAGO_API_URL only: redirects are not followed (they could
// lead elsewhere), and neither the key nor Lago's text ever reaches a log line.
import { type CustomerUsage, MAX_BODY_BYTES, parseCustomerUsage } from "./customer-usage.ts";
import type { DueSubscription } from "./due.ts";

/**
 * - usage: Lago's CustomerUsage; - skipped: 404 (customer not found) or 405 (no active subscription),
 *   done for the day; - unauthorized: 401/403, the organization's keys may not read usage;
 * - unreachable: 5xx, 429, a redirect, a timeout or no connection, worth trying again
 *   (`retryAfterSeconds` from a Retry-After header); - malformed: a 200 that is not a CustomerUsage.
 */
export type CallResult =
  | { kind: "usage"; usage: CustomerUsage }
  | { kind: "skipped"; status: number }
  | { kind: "unauthorized"; status: number }
  | { kind: "unreachable"; status?: number; retryAfterSeconds?: number }
  | { kind: "malformed" };

export type ErrorClass = Exclude<CallResult["kind"], "usage" | "skipped">;

/** The current_usage URL of a subscription: path and query values encoded. */
export function currentUsageUrl(baseUrl: string, due: Pick<DueSubscription, "external_customer_id" | "external_subscription_id">): string {
  const query = new URLSearchParams({ external_subscription_id: due.external_subscription_id, apply_taxes: "false" });
  return `${baseUrl}/api/v1/customers/${encodeURIComponent(due.external_customer_id)}/current_usage?${query}`;
}

export async function callCurrentUsage(baseUrl: string, due: DueSubscription, timeoutMs: number): Promise<CallResult> {
  let response: Response;
  try {
    response = await fetch(currentUsageUrl(baseUrl, due), {
      headers: { Authorization: `Bearer ${due.api_key}`, Accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    return { kind: "unreachable" };
  }
  const { status } = response;
  if (status === 200) {
    const text = await boundedText(response);
    const usage = text === undefined ? undefined : parseCustomerUsage(text);
    return usage ? { kind: "usage", usage } : { kind: "malformed" };
  }
  await response.body?.cancel();
  if (status === 404 || status === 405) return { kind: "skipped", status };
  if (status === 401 || status === 403) return { kind: "unauthorized", status };
  const retryAfter = Number(response.headers.get("Retry-After"));
  return { kind: "unreachable", status, ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}) };
}

/** The body as text, or undefined past MAX_BODY_BYTES (read no further than that). */
async function boundedText(response: Response): Promise<string | undefined> {
  const declared = Number(response.headers.get("Content-Length"));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(value);
    }
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}
