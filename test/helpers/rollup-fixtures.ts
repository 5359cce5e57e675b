// Rows for the rollup tests, inserted like the Worker tests' factories (only what a test cares about;
// the rest takes the migration's defaults). Timestamps are UTC 'YYYY-MM-DD HH:MM:SS' strings.
import { sql } from "drizzle-orm";
import { billableMetrics, billingEntities, charges, dailyUsages, fees, invoices, organizations } from "../../src/db/schema/index.ts";
import type { Database } from "../../src/env.ts";
import { chargeUsage } from "./lago-usage.ts";

const one = <T>(rows: T[]): T => rows[0] as T;

/** Like Lago's saves: every write stamps updated_at with the database clock, in UTC. */
export const NOW_SQL = "(now() AT TIME ZONE 'UTC')";

/** An organization with one billing entity, one metric `api_calls`, its charge and a finalized USD invoice. */
export async function createBillingOrg(db: Database, opts: { createdAt?: string } = {}) {
  const org = one(await db.insert(organizations).values({ name: "Rollup org", createdAt: opts.createdAt ?? "2024-01-15 10:00:00" })
    .returning({ id: organizations.id })).id;
  const billingEntityId = one(await db.insert(billingEntities).values({ organizationId: org, name: "main", code: "main" })
    .returning({ id: billingEntities.id })).id;
  const metricId = one(await db.insert(billableMetrics).values({ organizationId: org, name: "API calls", code: "api_calls" })
    .returning({ id: billableMetrics.id })).id;
  const chargeId = one(await db.insert(charges).values({ organizationId: org, billableMetricId: metricId, code: "api_calls" })
    .returning({ id: charges.id })).id;
  const invoice = async (status = 1, currency = "USD") =>
    one(await db.insert(invoices).values({ organizationId: org, billingEntityId, number: `INV-${crypto.randomUUID().slice(0, 8)}`, status, currency })
      .returning({ id: invoices.id })).id;
  const invoiceId = await invoice();
  /** `stampedMinutesAgo`: its updated_at that long before now (a clock behind, a stamp set by hand), committed now. */
  const fee = (amountCents: number, createdAt: string, o: { invoiceId?: string; coupons?: string; currency?: string; stampedMinutesAgo?: number } = {}) =>
    db.insert(fees).values({
      organizationId: org, billingEntityId, invoiceId: o.invoiceId ?? invoiceId, chargeId, amountCents,
      preciseCouponsAmountCents: o.coupons ?? "0", amountCurrency: o.currency ?? "USD", feeType: 0,
      invoiceableType: "Charge", invoiceableId: chargeId, createdAt,
      updatedAt: o.stampedMinutesAgo === undefined ? sql.raw(NOW_SQL) : sql`${sql.raw(NOW_SQL)} - make_interval(mins => ${o.stampedMinutesAgo})`,
    }).returning({ id: fees.id }).then(one).then((r) => r.id);
  const metric = { id: metricId, code: "api_calls" };
  type UsageRecord = { units: string; amountCents: number | string; currency?: string };
  const usageOf = (records: UsageRecord[]) => ({ charges_usage: records.map((r) => chargeUsage(metric, r.units, r.amountCents, r.currency)) });
  // A subscription of its own per row unless one is given (to meet a snapshot of the same day).
  const usage = (usageDate: string, records: UsageRecord[], subscriptionId: string = crypto.randomUUID()) =>
    db.insert(dailyUsages).values({
      organizationId: org, customerId: crypto.randomUUID(), subscriptionId, externalSubscriptionId: "sub_1",
      usageDate, usageDiff: usageOf(records), updatedAt: sql.raw(NOW_SQL),
    }).returning({ id: dailyUsages.id }).then(one).then((r) => r.id);
  /** A row of the service's usage snapshots (edge_analytics.usage_snapshots) for the subscription and day. */
  const snapshot = async (usageDate: string, records: UsageRecord[], subscriptionId: string) => {
    const diff = JSON.stringify(usageOf(records));
    await db.execute(sql`INSERT INTO edge_analytics.usage_snapshots (organization_id, customer_id, subscription_id, external_subscription_id,
        from_datetime, to_datetime, usage, usage_diff, usage_date, refreshed_at, updated_at)
      VALUES (${org}, ${crypto.randomUUID()}, ${subscriptionId}, 'sub_1', '2025-03-01', '2025-04-01', ${diff}::jsonb, ${diff}::jsonb,
        ${usageDate}, ${usageDate}, ${sql.raw(NOW_SQL)})`);
  };
  return { org, billingEntityId, metricId, chargeId, invoiceId, invoice, fee, usage, snapshot };
}

/** Every month from the organization's creation (2024-01) to the end of 2026-11, as invoiced_usage's filters. */
export const ALL_MONTHS = { currency: undefined, from: undefined, toExclusive: "2026-12-01 00:00:00", billingEntityIds: undefined };

/**
 * An organization with five invoices, one fee each in its own month of 2025 (Jan..May: 100..500),
 * and invoiced_usage's answer worked out by hand: each month's one fee, newest month first.
 */
export async function createFiveMonths(db: Database) {
  const s = await createBillingOrg(db);
  const invoices: string[] = [];
  for (let m = 1; m <= 5; m++) {
    const invoiceId = await s.invoice();
    invoices.push(invoiceId);
    await s.fee(m * 100, `2025-0${m}-10 08:00:00`, { invoiceId });
  }
  const expected = [5, 4, 3, 2, 1].map((m) => ({ month: `2025-0${m}-01T00:00:00.000Z`, code: "api_calls", currency: "USD", amountCents: String(m * 100) }));
  return { s, invoices, expected };
}
