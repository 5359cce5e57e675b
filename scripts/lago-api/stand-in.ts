// A local stand-in for Lago's API, as far as the usage snapshots use it: GET
// /api/v1/customers/{external_customer_id}/current_usage?external_subscription_id=...&apply_taxes=...
// answering Lago's CustomerUsage (typed against lago-javascript-client, so a drift in Lago's shape
// fails the typecheck). Dev/test tooling only, on 127.0.0.1; never part of the Worker.
//
// Control (JSON bodies), per subscription so test files running side by side never meet:
//   PUT /__control/usage   {"customer", "subscription", "key", "usage": CustomerUsageObject}
//   PUT /__control/fault   {"subscription", "kind": FaultKind, "times"?: n, "retryAfter"?: s, "ms"?: n}
//   GET /__control/calls?subscription=ID -> {"calls": [{"status", "apply_taxes", "authorized"}]}
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { CustomerUsage } from "lago-javascript-client";

export type CustomerUsageObject = CustomerUsage["customer_usage"];
type Currency = NonNullable<CustomerUsageObject["currency"]>;

export type Charge = { id: string; units: string; amount: number; events: number };

/**
 * A CustomerUsage as Lago answers it: one charge usage per `charges` (of `metric`), over the period
 * [from, to] (whole seconds, UTC), in `currency`, taxes not applied.
 */
export function customerUsage(
  metric: { id: string; code: string },
  charges: Charge[],
  opts: { from?: string; to?: string; currency?: Currency } = {},
): CustomerUsageObject {
  const amount = charges.reduce((s, c) => s + c.amount, 0);
  const currency: Currency = opts.currency ?? "EUR";
  return {
    from_datetime: opts.from ?? "2025-03-01T00:00:00Z", to_datetime: opts.to ?? "2025-03-31T23:59:59Z", issuing_date: "2025-04-01", currency,
    amount_cents: amount, taxes_amount_cents: 0, total_amount_cents: amount,
    charges_usage: charges.map((c) => ({
      units: c.units, total_aggregated_units: c.units, events_count: c.events, amount_cents: c.amount, amount_currency: currency,
      charge: { lago_id: c.id, charge_model: "standard" },
      billable_metric: { lago_id: metric.id, name: metric.code, code: metric.code, aggregation_type: "sum_agg" },
      filters: [], grouped_usage: [],
    })),
  };
}

/** What a fault makes the next `times` answers for a subscription (default: every one). */
export const FAULT_KINDS = ["500", "503", "429", "401", "403", "404", "405", "slow", "html", "truncated", "wrong-types", "huge"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

type Entry = { customer: string; key?: string | undefined; usage: CustomerUsageObject };
type Fault = { kind: FaultKind; times: number; retryAfter?: number; ms?: number };
type Call = { status: number; apply_taxes: string | null; authorized: boolean };

export type LagoStandIn = { url: string; /** current_usage calls answered so far. */ callCount(): number; close(): Promise<void> };

/**
 * `latencyMs`: how long each answer takes (a benchmark's Lago). `anySubscription`: the answer for a
 * subscription given no usage of its own, with the key it expects (a benchmark's thousands), or any
 * Bearer key without one (`npm start -- --lago-stand-in`, whose demo organizations each have theirs).
 */
export async function startLagoStandIn(opts: {
  port?: number; latencyMs?: number; anySubscription?: { key?: string; usage: CustomerUsageObject };
} = {}): Promise<LagoStandIn> {
  let callCount = 0;
  const usages = new Map<string, Entry>();
  const faults = new Map<string, Fault>();
  const calls = new Map<string, Call[]>();

  const reply = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };

  async function currentUsage(req: http.IncomingMessage, res: http.ServerResponse, url: URL, customer: string) {
    callCount++;
    const subscription = url.searchParams.get("external_subscription_id") ?? "";
    const entry = usages.get(subscription) ?? (opts.anySubscription && { customer, ...opts.anySubscription });
    const bearer = req.headers.authorization ?? "";
    const authorized = entry !== undefined && (entry.key === undefined ? /^Bearer \S+$/.test(bearer) : bearer === `Bearer ${entry.key}`);
    const log = (status: number) => calls.set(subscription, [...(calls.get(subscription) ?? []), { status, apply_taxes: url.searchParams.get("apply_taxes"), authorized }]);
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    const fault = faults.get(subscription);
    if (fault && fault.times > 0) {
      fault.times--;
      const kind = fault.kind;
      if (kind === "slow") {
        await new Promise((r) => setTimeout(r, fault.ms ?? 5_000));
      } else if (/^\d+$/.test(kind)) {
        log(Number(kind));
        const headers: Record<string, string> = kind === "429" && fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : {};
        return reply(res, Number(kind), { status: Number(kind), error: "stand-in fault", code: kind === "404" ? "customer_not_found" : "fault" }, headers);
      } else {
        log(200);
        const body = JSON.stringify({ customer_usage: entry?.usage ?? {} });
        if (kind === "html") return reply(res, 200, "<html><body>Bad gateway</body></html>", { "Content-Type": "text/html" });
        if (kind === "truncated") return reply(res, 200, body.slice(0, Math.floor(body.length / 2)));
        if (kind === "wrong-types") return reply(res, 200, body.replaceAll(/"units":"([^"]*)"/g, '"units":[$1]'));
        // A body far past what a subscription's usage could be (5 MB), sent without a length.
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write(`{"customer_usage":{"charges_usage":[`);
        for (let i = 0; i < 5 * 1024; i++) res.write(`${i ? "," : ""}"${"x".repeat(1020)}"`);
        return res.end("]}}");
      }
    }
    if (!entry || entry.customer !== customer) {
      log(404);
      return reply(res, 404, { status: 404, error: "Not Found", code: "customer_not_found" });
    }
    if (!authorized) {
      log(401);
      return reply(res, 401, { status: 401, error: "Unauthorized" });
    }
    log(200);
    return reply(res, 200, { customer_usage: entry.usage } satisfies CustomerUsage);
  }

  async function control(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    if (req.method === "GET" && url.pathname === "/__control/calls") {
      return reply(res, 200, { calls: calls.get(url.searchParams.get("subscription") ?? "") ?? [] });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    if (req.method === "PUT" && url.pathname === "/__control/usage") {
      usages.set(String(body.subscription), { customer: String(body.customer), key: String(body.key), usage: body.usage as CustomerUsageObject });
      return reply(res, 204, "");
    }
    if (req.method === "PUT" && url.pathname === "/__control/fault") {
      const kind = body.kind as FaultKind;
      if (!FAULT_KINDS.includes(kind)) return reply(res, 400, { error: `kind must be one of ${FAULT_KINDS.join(", ")}` });
      faults.set(String(body.subscription), {
        kind, times: typeof body.times === "number" ? body.times : Infinity,
        ...(typeof body.retryAfter === "number" ? { retryAfter: body.retryAfter } : {}),
        ...(typeof body.ms === "number" ? { ms: body.ms } : {}),
      });
      return reply(res, 204, "");
    }
    if (req.method === "DELETE" && url.pathname === "/__control/fault") {
      faults.delete(url.searchParams.get("subscription") ?? "");
      return reply(res, 204, "");
    }
    return reply(res, 404, { error: "unknown control route" });
  }

  const USAGE_PATH = /^\/api\/v1\/customers\/([^/]+)\/current_usage$/;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stand-in.local");
    const match = USAGE_PATH.exec(url.pathname);
    const handled = url.pathname.startsWith("/__control/")
      ? control(req, res, url)
      : req.method === "GET" && match
        ? currentUsage(req, res, url, decodeURIComponent(match[1]!))
        : Promise.resolve(reply(res, 404, { status: 404, error: "Not Found" }));
    handled.catch(() => {
      if (!res.headersSent) reply(res, 500, { error: "stand-in failure" });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    callCount: () => callCount,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
