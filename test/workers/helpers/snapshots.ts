// The usage snapshots' test scenarios: an organization Lago writes no daily usage for, its
// subscription, what the stand-in for Lago's API (scripts/lago-api/stand-in.ts) answers for it, and
// a snapshot run as the cron makes it, narrowed to the organization.
import { sql } from "drizzle-orm";
import { env } from "cloudflare:workers";
import { parseConfig } from "../../../src/config.ts";
import { createDatabase } from "../../../src/db/client.ts";
import { CACHE_ROUTES } from "../../../src/endpoints.ts";
import { fillPeriodEnds } from "../../../src/snapshots/period-ends.ts";
import { consumeSnapshotWork } from "../../../src/snapshots/queue.ts";
import { type SnapshotReport, takeSnapshots } from "../../../src/snapshots/run.ts";
import type { CustomerUsageObject } from "../../../scripts/lago-api/stand-in.ts";
import { testDb } from "./db.ts";
import { createBillingEntity, createOrganization } from "./factories.ts";
import { createCustomer, createPlan, createSubscription, createUsageMetric } from "./usage-factories.ts";

const bindings = env as unknown as { LAGO_API_URL: string };
const config = parseConfig(env as never, CACHE_ROUTES);
if (!config.ok) throw new Error("test configuration");

/** An organization without revenue_analytics, a customer in `zone`, one started subscription, a metric. */
export async function snapshotScenario(opts: { customerZone?: string; entityZone?: string; premium?: boolean } = {}) {
  const org = await createOrganization();
  if (opts.premium) await testDb.execute(sql`UPDATE organizations SET premium_integrations = '{revenue_analytics}' WHERE id = ${org.id}`);
  const billingEntityId = await createBillingEntity(org.id, { code: "main" });
  if (opts.entityZone) await testDb.execute(sql`UPDATE billing_entities SET timezone = ${opts.entityZone} WHERE id = ${billingEntityId}`);
  const externalCustomer = `cus/${crypto.randomUUID().slice(0, 8)} é`;
  const customerId = await createCustomer(org.id, billingEntityId, { externalId: externalCustomer });
  if (opts.customerZone) await testDb.execute(sql`UPDATE customers SET timezone = ${opts.customerZone} WHERE id = ${customerId}`);
  const planId = await createPlan(org.id, { code: "starter" });
  const subscription = await createSubscription(org.id, { customerId, planId, externalId: `sub ${crypto.randomUUID().slice(0, 8)}&x=1` });
  await testDb.execute(sql`UPDATE subscriptions SET started_at = '2025-01-01' WHERE id = ${subscription.id}`);
  const metric = await createUsageMetric(org.id, { code: "api_calls" });
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${bindings.LAGO_API_URL}/__control/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return {
    org, subscription, metric, externalCustomer, billingEntityId, customerId,
    /** What Lago's API answers for the subscription from now on. */
    lagoAnswers: async (usage: CustomerUsageObject) =>
      void (await control("PUT", "usage", { customer: externalCustomer, subscription: subscription.externalId, key: org.apiKey, usage })),
    fault: async (kind: string, more: Record<string, unknown> = {}) => void (await control("PUT", "fault", { subscription: subscription.externalId, kind, ...more })),
    calls: async () => ((await (await control("GET", `calls?subscription=${encodeURIComponent(subscription.externalId)}`)).json()) as { calls: { status: number; apply_taxes: string; authorized: boolean }[] }).calls,
    run: (at: string, opts: { timeoutMs?: number } = {}) => runSnapshots(org.id, at, opts),
    /** The cron's period-end pass, narrowed to the organization, at the real time (as the cron runs it). */
    fillPeriodEnds: () => withDatabase((db) => fillPeriodEnds(db, new Date(), [org.id])),
    stored: async () => (await testDb.execute<{ usage_date: string; usage_diff: CustomerUsageObject; from_datetime: string }>(sql`
      SELECT to_char(usage_date, 'YYYY-MM-DD') AS usage_date, usage_diff, to_char(from_datetime, 'YYYY-MM-DD HH24:MI:SS') AS from_datetime
      FROM edge_analytics.usage_snapshots WHERE subscription_id = ${subscription.id} ORDER BY usage_date`)).rows,
  };
}

export const runSnapshots = (organizationId: string, at: string, opts: { timeoutMs?: number } = {}): Promise<SnapshotReport> =>
  withDatabase((db) => takeSnapshots(db, {
    lagoApiUrl: bindings.LAGO_API_URL, now: new Date(at), budgetMs: 20_000, concurrency: 4, callTimeoutMs: opts.timeoutMs ?? 5_000, organizationIds: [organizationId],
  }));

async function withDatabase<T>(work: (db: ReturnType<typeof createDatabase>) => Promise<T>): Promise<T> {
  if (!config.ok) throw new Error("unreachable");
  const db = createDatabase(config.config);
  try {
    return await work(db);
  } finally {
    await db.release();
  }
}


/** A batch of the snapshot queue as Queues delivers it, recording what the consumer decided per message. */
export async function consumeSnapshotBatch(bodies: unknown[], attempts = 1) {
  const decided: (string | undefined)[] = bodies.map(() => undefined);
  const delays: (number | undefined)[] = bodies.map(() => undefined);
  const messages = bodies.map((body, i) => ({
    id: String(i), timestamp: new Date(), body, attempts,
    ack: () => void (decided[i] = "ack"),
    retry: (o?: { delaySeconds?: number }) => {
      decided[i] = "retry";
      delays[i] = o?.delaySeconds;
    },
  }));
  const batch = { queue: "lago-edge-analytics-snapshots", messages, ackAll: () => {}, retryAll: () => {} } as unknown as MessageBatch<unknown>;
  const report = await withDatabase((db) => consumeSnapshotWork(db, batch, { lagoApiUrl: bindings.LAGO_API_URL, maxConcurrency: 4, callTimeoutMs: 5_000 }));
  return { report, decided, delays };
}
