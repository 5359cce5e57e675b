import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../../src/app.ts";

const bindings = env as unknown as Record<string, unknown> & { NEON_FETCH_ENDPOINT: string; PG_PROXY_CONTROL?: string; HYPERDRIVE?: Hyperdrive };

/** The database path this run of the tests takes (vitest.config.ts runs them once per path). */
export const DATABASE_PATH = bindings.HYPERDRIVE ? "hyperdrive" : "neon-http";

type Options = { apiKey?: string; headers?: Record<string, string> };

/**
 * Statements one query of a request costs the database: its local settings (JIT off, the
 * statement_timeout), then the query, in one transaction (src/db/; BEGIN and COMMIT are not
 * counted). Neon's HTTP driver sends each SET LOCAL as a statement of its own; node-postgres sends
 * both with the BEGIN in one message.
 */
export const STATEMENTS_PER_QUERY = DATABASE_PATH === "neon-http" ? 3 : 2;

/**
 * The app with an environment of the test's own. Its DATABASE_URL names a database no other test
 * uses: the local endpoint (or, on the Hyperdrive path, the wire proxy) serves every name from the
 * same database, but counts and fails each name on its own (their /__control/ routes), so concurrent
 * test files neither skew the counts nor feel an outage. `settings` override wrangler.toml's [vars]
 * (or bindings), e.g. { CACHE_TTL_USAGE: "0" }.
 */
export function cacheApp(settings: Record<string, unknown> = {}) {
  const database = `cache_${crypto.randomUUID().replaceAll("-", "")}`;
  const hyperdrive = bindings.HYPERDRIVE && { connectionString: hyperdriveUrl(bindings.HYPERDRIVE, database) };
  const appEnv = { ...bindings, DATABASE_URL: `postgres://test:test@db.localtest/${database}`, ...(hyperdrive ? { HYPERDRIVE: hyperdrive } : {}), ...settings };
  const app = createApp();
  const controlBase = bindings.PG_PROXY_CONTROL ?? bindings.NEON_FETCH_ENDPOINT;
  const control = (path: string, method = "GET", query = "") =>
    fetch(new URL(`/__control/${path}?database=${database}${query}`, controlBase), { method });

  /** Sends one request; `settled` resolves once its background work (cache writes, refreshes) is done. */
  async function send(path: string, { apiKey, headers = {} }: Options = {}) {
    const allHeaders = apiKey === undefined ? headers : { Authorization: `Bearer ${apiKey}`, ...headers };
    const ctx = createExecutionContext();
    const response = await app.request(`https://analytics.test${path}`, { headers: allHeaders }, appEnv, ctx);
    return { response, settled: waitOnExecutionContext(ctx) };
  }

  return {
    send,
    /** One request, its background work finished, its body read. */
    async get(path: string, options: Options = {}) {
      const { response, settled } = await send(path, options);
      const text = await response.text();
      await settled;
      return { response, status: response.status, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    },
    /** Statements this app has sent to the database so far. */
    async queries(): Promise<number> {
      return ((await (await control("queries")).json()) as { count: number }).count;
    },
    /** Makes this app's database unreachable (or reachable again); no other test is affected. */
    async outage(down: boolean) {
      const response = await control("outage", down ? "PUT" : "DELETE");
      if (response.status !== 204) throw new Error(`outage control answered ${response.status}`);
    },
    /**
     * Makes this app's database misbehave (scripts/neon-local/faults.ts), or behave again with
     * undefined; no other test is affected. `ms` is the delay of "slow".
     */
    async fault(kind: string | undefined, opts: { ms?: number; code?: string } = {}) {
      const query = kind === undefined ? "" : `&kind=${kind}${opts.ms === undefined ? "" : `&ms=${opts.ms}`}${opts.code ? `&code=${opts.code}` : ""}`;
      const response = await control("fault", kind === undefined ? "DELETE" : "PUT", query);
      if (response.status !== 204) throw new Error(`fault control answered ${response.status}`);
    },
  };
}

/** The Hyperdrive binding's connection string with another database name (the proxy's handle for it). */
function hyperdriveUrl(binding: Hyperdrive, database: string): string {
  const url = new URL(binding.connectionString);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The Cache-Status verdict after our cache's name, e.g. "hit; ttl=600". */
export const cacheStatus = (response: Response) =>
  response.headers.get("Cache-Status")?.replace(/^lago-edge-analytics; /, "");
