// wrangler.toml's reliability settings, per environment: bindings are not inherited, so each
// deployment must declare its own rate limiter, and the vars that describe it (they feed the
// RateLimit headers) must say what the binding enforces.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { ENVIRONMENTS } from "../../scripts/deploy/bundle.ts";
import { OFFLINE_ENV } from "../../scripts/node-version.ts";
import { AUTH_LIMIT_PERIOD_SECONDS } from "../../src/middleware/auth.ts";

type RateLimitBinding = { name: string; namespace_id: string; simple: { limit: number; period: number } };
const configPath = join(import.meta.dirname, "..", "..", "wrangler.toml");
const read = (env: string | undefined) =>
  unstable_readConfig({ config: configPath, env }, { hideWarnings: true }) as unknown as { vars: unknown; ratelimits: RateLimitBinding[] };

describe.each([undefined, ...ENVIRONMENTS])("wrangler.toml, env %s", (env) => {
  const config = read(env);
  const vars = config.vars as Record<string, string>;

  it("binds RATE_LIMITER with the limit and period its vars announce", () => {
    const limiter = config.ratelimits.find((r: RateLimitBinding) => r.name === "RATE_LIMITER");
    expect(limiter).toBeDefined();
    expect(String(limiter?.simple.limit)).toBe(vars.RATE_LIMIT_REQUESTS);
    expect(String(limiter?.simple.period)).toBe(vars.RATE_LIMIT_PERIOD);
  });

  it("binds AUTH_RATE_LIMITER, per client address, with the 60 s period the 429 announces", () => {
    const limiter = config.ratelimits.find((r: RateLimitBinding) => r.name === "AUTH_RATE_LIMITER");
    expect(limiter?.simple.period).toBe(AUTH_LIMIT_PERIOD_SECONDS);
    const other = config.ratelimits.find((r: RateLimitBinding) => r.name === "RATE_LIMITER");
    expect(limiter?.namespace_id).not.toBe(other?.namespace_id);
  });

  it("sets a database deadline", () => {
    expect(Number(vars.DATABASE_TIMEOUT_MS)).toBeGreaterThanOrEqual(100);
  });
});

describe("wrangler.toml rate limits", () => {
  it("each deployment counts in a namespace of its own, with a production-sized limit", () => {
    const limiters = ENVIRONMENTS.map((env) => read(env).ratelimits.find((r: RateLimitBinding) => r.name === "RATE_LIMITER")!);
    expect(new Set(limiters.map((l) => l.namespace_id)).size).toBe(ENVIRONMENTS.length);
    for (const l of limiters) expect(l.simple.limit).toBeLessThanOrEqual(10_000);
  });
});

type Queues = {
  producers: { binding: string; queue: string }[];
  consumers: { queue: string; max_concurrency?: number; max_retries?: number; dead_letter_queue?: string; max_batch_size?: number }[];
};
const queuesOf = (env: string | undefined) => (read(env) as unknown as { queues: Queues }).queues;

const QUEUE_BINDINGS = ["ROLLUP_QUEUE", "SNAPSHOT_QUEUE"] as const;

describe.each([undefined, ...ENVIRONMENTS])("wrangler.toml queues, env %s", (env) => {
  const { producers, consumers } = queuesOf(env);

  it.each(QUEUE_BINDINGS)("binds %s and consumes that same queue, bounded and with a dead-letter queue", (binding) => {
    const producer = producers.find((p) => p.binding === binding);
    expect(producer).toBeDefined();
    const consumer = consumers.find((c) => c.queue === producer?.queue);
    expect(consumer?.max_concurrency).toBeGreaterThanOrEqual(1);
    expect(consumer?.max_concurrency).toBeLessThanOrEqual(10);
    expect(consumer?.max_retries).toBeGreaterThanOrEqual(1);
    expect(consumer?.dead_letter_queue).toBe(`${producer?.queue}-dlq`);
  });

  it("names the snapshot queue so that the consumer tells it from the rollup queue (src/scheduled.ts)", () => {
    expect(producers.find((p) => p.binding === "SNAPSHOT_QUEUE")?.queue).toContain("-snapshots");
    expect(producers.find((p) => p.binding === "ROLLUP_QUEUE")?.queue).not.toContain("-snapshots");
  });
});

describe("wrangler.toml queues across environments", () => {
  it.each(QUEUE_BINDINGS)("each deployment has a %s of its own", (binding) => {
    const names = [undefined, ...ENVIRONMENTS].map((env) => queuesOf(env).producers.find((p) => p.binding === binding)?.queue);
    expect(new Set(names).size).toBe(ENVIRONMENTS.length + 1);
  });
});

describe("worker-configuration.d.ts", () => {
  // The bindings' generated types (test/types/bindings.ts holds Bindings to them) are what
  // `wrangler types` makes of wrangler.toml now: a change there without `npm run types` fails here.
  it("is what `wrangler types` generates from wrangler.toml", () => {
    const wrangler = join(import.meta.dirname, "..", "..", "node_modules", "wrangler", "bin", "wrangler.js");
    const run = spawnSync(process.execPath, [wrangler, "types", "--check"], { cwd: join(import.meta.dirname, "..", ".."), encoding: "utf8", env: { ...process.env, ...OFFLINE_ENV } });
    expect(run.stdout + run.stderr).not.toContain("out of date");
    expect(run.status).toBe(0);
  }, 60_000);
});
