import { sql } from "drizzle-orm";
import { billableMetrics, customers, dailyUsages, plans, subscriptions } from "../../../src/db/schema/index.ts";
import { testDb as db } from "./db.ts";
import { chargeUsage } from "../../helpers/lago-usage.ts";
import { createBillingEntity, createOrganization } from "./factories.ts";

// Factories for the usage endpoint: the rows behind Lago's daily_usages. Like factories.ts, each
// inserts one row with only what a test cares about.

const one = <T>(rows: T[]): T => rows[0] as T;

type CustomerOptions = { externalId?: string; customerType?: "company" | "individual" | null; country?: string | null };

export async function createCustomer(organizationId: string, billingEntityId: string, opts: CustomerOptions = {}) {
  return one(
    await db
      .insert(customers)
      .values({
        organizationId,
        billingEntityId,
        externalId: opts.externalId ?? `cus_${crypto.randomUUID().slice(0, 8)}`,
        customerType: opts.customerType ?? null,
        country: opts.country ?? null,
      })
      .returning({ id: customers.id }),
  ).id;
}

export async function createPlan(organizationId: string, opts: { code: string }) {
  return one(
    await db.insert(plans).values({ organizationId, name: opts.code, code: opts.code }).returning({ id: plans.id }),
  ).id;
}

export async function createSubscription(
  organizationId: string,
  opts: { customerId: string; planId: string; externalId?: string },
) {
  const externalId = opts.externalId ?? `sub_${crypto.randomUUID().slice(0, 8)}`;
  const id = one(
    await db
      .insert(subscriptions)
      .values({ organizationId, customerId: opts.customerId, planId: opts.planId, externalId, status: 1 })
      .returning({ id: subscriptions.id }),
  ).id;
  return { id, externalId, customerId: opts.customerId };
}

export async function createUsageMetric(
  organizationId: string,
  opts: { code: string; recurring?: boolean; deletedAt?: string },
) {
  const id = one(
    await db
      .insert(billableMetrics)
      .values({ organizationId, name: opts.code, code: opts.code, recurring: opts.recurring ?? false, deletedAt: opts.deletedAt })
      .returning({ id: billableMetrics.id }),
  ).id;
  return { id, code: opts.code };
}

type Subscription = { id: string; externalId: string; customerId: string };

export async function createDailyUsage(
  organizationId: string,
  subscription: Subscription,
  usageDate: string | null,
  charges: ReturnType<typeof chargeUsage>[],
) {
  await db.insert(dailyUsages).values({
    organizationId,
    customerId: subscription.customerId,
    subscriptionId: subscription.id,
    externalSubscriptionId: subscription.externalId,
    usageDate,
    usageDiff: { charges_usage: charges },
  });
}

/**
 * One row of the service's own usage snapshots (edge_analytics.usage_snapshots), as the snapshot
 * job stores it: `charges` are its usage_diff's charges (its usage is the same here).
 */
export async function createUsageSnapshot(
  organizationId: string,
  subscription: Subscription,
  usageDate: string,
  charges: ReturnType<typeof chargeUsage>[],
) {
  const usage = JSON.stringify({ from_datetime: "2025-03-01T00:00:00Z", to_datetime: "2025-03-31T23:59:59Z", charges_usage: charges });
  await db.execute(sql`INSERT INTO edge_analytics.usage_snapshots (organization_id, customer_id, subscription_id, external_subscription_id,
      from_datetime, to_datetime, usage, usage_diff, usage_date, refreshed_at)
    VALUES (${organizationId}, ${subscription.customerId}, ${subscription.id}, ${subscription.externalId},
      '2025-03-01 00:00:00', '2025-03-31 23:59:59', ${usage}::jsonb, ${usage}::jsonb, ${usageDate}, ${`${usageDate} 01:00:00`})`);
}

/**
 * The usual starting point: an organization with a key, one customer on plan `starter` with one
 * subscription, and a live, non-recurring metric `api_calls`. `usage()` adds one daily_usages row
 * for that subscription unless given another.
 */
export async function createUsageScenario(opts: { customer?: CustomerOptions } = {}) {
  const org = await createOrganization();
  const billingEntityId = await createBillingEntity(org.id, { code: "main" });
  const customerId = await createCustomer(org.id, billingEntityId, opts.customer);
  const planId = await createPlan(org.id, { code: "starter" });
  const subscription = await createSubscription(org.id, { customerId, planId });
  const metric = await createUsageMetric(org.id, { code: "api_calls" });
  const usage = (usageDate: string | null, charges: ReturnType<typeof chargeUsage>[], sub: Subscription = subscription) =>
    createDailyUsage(org.id, sub, usageDate, charges);
  const snapshot = (usageDate: string, charges: ReturnType<typeof chargeUsage>[], sub: Subscription = subscription) =>
    createUsageSnapshot(org.id, sub, usageDate, charges);
  return { org, billingEntityId, customerId, planId, subscription, metric, usage, snapshot };
}
