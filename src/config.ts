import * as z from "zod/mini";
import type { Bindings } from "./env.ts";

/** An endpoint's cache route and default lifetime (its descriptor's `cache`), handed in by the app. */
export type CacheRoute = { route: string; defaultTtl: number };

/** The setting that overrides an endpoint's cache lifetime, e.g. CACHE_TTL_INVOICED_USAGE. */
export const ttlSetting = (route: string) => `CACHE_TTL_${route.toUpperCase()}` as const;

// A whole number within bounds. Wrangler hands [vars] over as strings (or numbers, for unquoted TOML).
const wholeNumber = (fallback: number, min: number, max: number) =>
  z._default(
    z.pipe(
      z.pipe(z.union([z.string().check(z.regex(/^[0-9]{1,7}$/)), z.number()]), z.transform(Number)),
      z.int().check(z.gte(min), z.lte(max)),
    ),
    fallback,
  );
// A duration in whole seconds.
const seconds = (fallback: number, max: number) => wholeNumber(fallback, 0, max);
const DAY = 86_400;

// The schema for the endpoints' cache routes (built once per list: the app hands in the same one).
const schemas = new WeakMap<readonly CacheRoute[], ReturnType<typeof configSchema>>();
const schemaFor = (routes: readonly CacheRoute[]) => schemas.get(routes) ?? schemas.set(routes, configSchema(routes)).get(routes)!;

// Lago's API, for the usage snapshots (docs/usage-snapshots.md): https, or http on this machine's
// loopback in development. Unset or empty: no snapshots. The organizations' keys go to it and
// nowhere else, so a mistyped scheme is refused rather than sent in the clear.
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const lagoApiUrl = z.optional(z.pipe(
  z.string(),
  z.transform((s) => s.trim().replace(/\/+$/, "")),
).check(z.refine((s) => {
  if (s === "") return true;
  const url = URL.parse(s);
  if (!url || url.username || url.password || url.search || url.hash) return false;
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
}, "must be an https:// URL (http:// only on 127.0.0.1 or localhost)")));

const configSchema = (routes: readonly CacheRoute[]) => z.object({
  // Required unless a HYPERDRIVE binding is configured (then Hyperdrive's connection string is used).
  DATABASE_URL: z.optional(z.string().check(z.regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// URL"))),
  // Only development and tests point the Neon driver at a local endpoint; production never sets it.
  NEON_FETCH_ENDPOINT: z.optional(z.url({ protocol: /^https?$/ })),
  REGION: z._default(z.enum(["us", "eu", "local"]), "local"),
  // Each endpoint's freshness: CACHE_TTL_<ROUTE>, defaulting to what its descriptor says.
  ...Object.fromEntries(routes.map((r) => [ttlSetting(r.route), seconds(r.defaultTtl, DAY)])),
  CACHE_STALE_WHILE_REVALIDATE: seconds(300, DAY),
  CACHE_STALE_IF_ERROR: seconds(DAY, 7 * DAY),
  // Capped at 60 s: a deleted (revoked) key must stop working within a minute.
  CACHE_API_KEY_TTL: seconds(60, 60),
  // The most a request may wait for the database, all its calls together (docs/operations.md, "Faults").
  DATABASE_TIMEOUT_MS: wholeNumber(10_000, 100, 60_000),
  // How long one cron run of the rollup refresh may work (docs/rollups.md); below the 15 minutes a
  // Cron Trigger may run, so a run always ends by itself and leaves the rest queued.
  ROLLUP_REFRESH_BUDGET_MS: wholeNumber(60_000, 1_000, 840_000),
  // Batches one run (or one queue consumer) recomputes at once: each is one statement, so this is
  // how many cores of PostgreSQL a refresh may keep busy, times the consumers' max_concurrency.
  ROLLUP_REFRESH_CONCURRENCY: wholeNumber(2, 1, 8),
  // What the RATE_LIMITER binding enforces ([[ratelimits]] simple.limit and simple.period in
  // wrangler.toml), repeated here because the binding does not tell: it feeds the RateLimit headers.
  RATE_LIMIT_REQUESTS: wholeNumber(600, 1, 1_000_000),
  LAGO_API_URL: lagoApiUrl,
  // Calls to Lago's API one snapshot queue consumer keeps in flight at once (docs/usage-snapshots.md).
  SNAPSHOT_MAX_CONCURRENCY: wholeNumber(8, 1, 50),
  RATE_LIMIT_PERIOD: z._default(z.pipe(z.union([z.enum(["10", "60"]), z.literal(10), z.literal(60)]), z.transform(Number)), 60),
});

export type Config = {
  database: DatabasePath;
  region: "us" | "eu" | "local";
  cache: CacheConfig;
  databaseTimeoutMs: number;
  rollupRefreshBudgetMs: number;
  rollupRefreshConcurrency: number;
  rateLimit: { requests: number; periodSeconds: number };
  /** Lago's API base URL (no trailing slash) for the usage snapshots; undefined: snapshots off. */
  lagoApiUrl: string | undefined;
  snapshotMaxConcurrency: number;
};

/**
 * How the Worker reaches PostgreSQL (docs/database-paths.md): Neon's HTTP driver with DATABASE_URL,
 * or node-postgres through a Hyperdrive binding, which wins when both are configured.
 */
export type DatabasePath =
  | { driver: "neon-http"; url: string; fetchEndpoint: string | undefined }
  | { driver: "hyperdrive"; connectionString: string };

/** Seconds. 0 switches the corresponding behaviour off. */
export type CacheConfig = {
  /** Freshness per endpoint, by its cache route. */
  ttl: Readonly<Record<string, number>>;
  staleWhileRevalidate: number;
  staleIfError: number;
  apiKeyTtl: number;
};

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

// Workers hand the same env object to every request of an isolate: parse it once per object.
const parsed = new WeakMap<object, ConfigResult>();

/** The configuration in `env`, with a lifetime setting for each of `routes` (src/endpoints.ts, CACHE_ROUTES). */
export function parseConfig(env: Bindings, routes: readonly CacheRoute[]): ConfigResult {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = schemaFor(routes).safeParse(env);
  const hyperdrive = env.HYPERDRIVE?.connectionString;
  const database: DatabasePath | undefined = hyperdrive
    ? { driver: "hyperdrive", connectionString: hyperdrive }
    : result.data?.DATABASE_URL
      ? { driver: "neon-http", url: result.data.DATABASE_URL, fetchEndpoint: result.data.NEON_FETCH_ENDPOINT }
      : undefined;
  const value: ConfigResult = result.success && database
    ? {
        ok: true,
        config: {
          database,
          region: result.data.REGION,
          cache: {
            ttl: Object.fromEntries(routes.map((r) => [r.route, (result.data as Record<string, unknown>)[ttlSetting(r.route)] as number])),
            staleWhileRevalidate: result.data.CACHE_STALE_WHILE_REVALIDATE,
            staleIfError: result.data.CACHE_STALE_IF_ERROR,
            apiKeyTtl: result.data.CACHE_API_KEY_TTL,
          },
          databaseTimeoutMs: result.data.DATABASE_TIMEOUT_MS,
          rollupRefreshBudgetMs: result.data.ROLLUP_REFRESH_BUDGET_MS,
          rollupRefreshConcurrency: result.data.ROLLUP_REFRESH_CONCURRENCY,
          rateLimit: { requests: result.data.RATE_LIMIT_REQUESTS, periodSeconds: result.data.RATE_LIMIT_PERIOD },
          lagoApiUrl: result.data.LAGO_API_URL || undefined,
          snapshotMaxConcurrency: result.data.SNAPSHOT_MAX_CONCURRENCY,
        },
      }
    : // Names only: a secret's value must never reach a log line.
      {
        ok: false,
        problems: [
          ...(result.error?.issues.map((i) => `${i.path.join(".")}: ${i.code}`) ?? []),
          // Only when nothing else already said what is wrong with it.
          ...(database || !result.success ? [] : ["DATABASE_URL: required (or a HYPERDRIVE binding)"]),
        ],
      };
  parsed.set(env, value);
  return value;
}
