// The Worker's bindings and the database handle as every layer sees them. A leaf: it imports no
// module of the project but the queue message's type, so any module may import it.
import type { NeonHttpDatabase } from "drizzle-orm/neon-http";
import type { RollupWork } from "./rollups/work.ts";
import type { SnapshotWork } from "./snapshots/work.ts";

export type Bindings = {
  DATABASE_URL?: string;
  // Any PostgreSQL through Cloudflare Hyperdrive ([[hyperdrive]] in wrangler.toml); wins over DATABASE_URL.
  HYPERDRIVE?: Hyperdrive;
  NEON_FETCH_ENDPOINT?: string;
  REGION?: string;
  // Cache lifetimes in seconds (see config.ts for defaults and bounds); CACHE_TTL_<ROUTE> per endpoint.
  [ttl: `CACHE_TTL_${string}`]: string | number | undefined;
  CACHE_STALE_WHILE_REVALIDATE?: string | number;
  CACHE_STALE_IF_ERROR?: string | number;
  CACHE_API_KEY_TTL?: string | number;
  DATABASE_TIMEOUT_MS?: string | number;
  ROLLUP_REFRESH_BUDGET_MS?: string | number;
  ROLLUP_REFRESH_CONCURRENCY?: string | number;
  RATE_LIMIT_REQUESTS?: string | number;
  RATE_LIMIT_PERIOD?: string | number;
  // Lago's API for the usage snapshots (https; http only on loopback); unset or empty = off.
  LAGO_API_URL?: string;
  SNAPSHOT_MAX_CONCURRENCY?: string | number;
  // The usage snapshots' queue ([[queues.producers]] SNAPSHOT_QUEUE); absent = the cron calls Lago inline.
  SNAPSHOT_QUEUE?: Queue<SnapshotWork>;
  // The rollup refresh's work queue ([[queues.producers]] in wrangler.toml); absent = the cron works inline.
  ROLLUP_QUEUE?: Queue<RollupWork>;
  // The API reference's static files (wrangler.toml [assets]); Cloudflare serves them before the Worker.
  ASSETS?: Fetcher;
  // Cloudflare's rate limiting binding ([[ratelimits]] in wrangler.toml); absent = no limit.
  RATE_LIMITER?: RateLimit;
  // Requests that fail authentication, per client address ([[ratelimits]] AUTH_RATE_LIMITER).
  AUTH_RATE_LIMITER?: RateLimit;
};

/**
 * Drizzle, as the queries see it. The Hyperdrive path's node-postgres instance (src/db/hyperdrive.ts)
 * is typed as this too: the queries use only select() and execute(), whose rows both drivers return
 * alike (the route tests run on both paths to hold them to it).
 */
export type Database = NeonHttpDatabase<Record<string, never>>;

export type DatabaseTiming = { ms: number; queries: number };
