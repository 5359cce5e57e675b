// A billing period's last day from Lago's own tables (Lago's FillFromInvoiceService): the finalized
// periodic or terminating invoice's charge fees plus the period's pay-in-advance fees, dated the
// period's last local day, diffed against the period's last snapshot. Expected values by hand.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { customerUsage } from "../../scripts/lago-api/stand-in.ts";
import { getJson } from "./helpers/request.ts";
import { testDb } from "./helpers/db.ts";
import { createCharge, createInvoice } from "./helpers/factories.ts";
import { snapshotScenario } from "./helpers/snapshots.ts";

type Scenario = Awaited<ReturnType<typeof snapshotScenario>>;

/** Lago's invoice for the subscription's period, and its invoice_subscriptions row. */
async function periodInvoice(s: Scenario, opts: {
  from: string; to: string; reason?: string; status?: number; finalizedAt?: "now" | string; issuedLongAgo?: boolean;
}) {
  const invoiceId = await createInvoice(s.org.id, { billingEntityId: s.billingEntityId, status: opts.status ?? 1, currency: "EUR" });
  // Finalized after the organization's first snapshot unless told otherwise (the status row's started_at is the real clock).
  const finalized = opts.finalizedAt === undefined || opts.finalizedAt === "now" ? sql`now() AT TIME ZONE 'UTC'` : sql`${opts.finalizedAt}::timestamp`;
  // Issued today, as the cron's look-back sees it (it reads the last weeks' invoices through Lago's issuing_date index).
  const issued = opts.issuedLongAgo ? sql`'2020-01-01'::date` : sql`(now() AT TIME ZONE 'UTC')::date`;
  await testDb.execute(sql`UPDATE invoices SET finalized_at = ${finalized}, issuing_date = ${issued} WHERE id = ${invoiceId}`);
  await testDb.execute(sql`
    INSERT INTO invoice_subscriptions (invoice_id, subscription_id, organization_id, invoicing_reason, charges_from_datetime, charges_to_datetime, recurring)
    VALUES (${invoiceId}, ${s.subscription.id}, ${s.org.id}, ${opts.reason ?? "subscription_periodic"}::subscription_invoicing_reason, ${opts.from}::timestamp, ${opts.to}::timestamp, true)`);
  return invoiceId;
}

type Fee = {
  invoiceId: string | null; chargeId: string; units: string; amount: number; events: number; taxes?: number;
  subscriptionId?: string; inAdvance?: { from: string; to: string }; groupedBy?: Record<string, string>;
};

async function fee(s: Scenario, f: Fee) {
  const properties = f.inAdvance ? { charges_from_datetime: f.inAdvance.from, charges_to_datetime: f.inAdvance.to } : {};
  await testDb.execute(sql`
    INSERT INTO fees (organization_id, billing_entity_id, invoice_id, charge_id, subscription_id, fee_type, amount_cents, amount_currency,
      taxes_amount_cents, units, events_count, pay_in_advance, pay_in_advance_event_transaction_id, properties, grouped_by)
    VALUES (${s.org.id}, ${s.billingEntityId}, ${f.invoiceId}, ${f.chargeId}, ${f.subscriptionId ?? s.subscription.id}, 0, ${f.amount}, 'EUR',
      ${f.taxes ?? 0}, ${f.units}::numeric, ${f.events}, ${f.inAdvance !== undefined}, ${f.inAdvance ? `tx-${crypto.randomUUID()}` : null},
      ${JSON.stringify(properties)}::jsonb, ${JSON.stringify(f.groupedBy ?? {})}::jsonb)`);
}

const figures = (rows: Awaited<ReturnType<Scenario["stored"]>>) =>
  rows.map((r) => [r.usage_date, r.usage_diff.charges_usage.map((c) => [c.units, c.amount_cents, c.events_count]), r.usage_diff.amount_cents]);

const MARCH = { from: "2025-03-01 00:00:00", to: "2025-03-31 23:59:59.999999" };

describe("usage snapshots: a period's last day from its invoice", () => {
  it("stores the invoice's charge fees and the period's pay-in-advance fees, less the period's last snapshot", async () => {
    const s = await snapshotScenario();
    const chargeId = await createCharge(s.org.id, s.metric.id);
    // The 30th's snapshot: 5 units, 500 cents, 5 events so far this period.
    await s.lagoAnswers(customerUsage(s.metric, [{ id: chargeId, units: "5", amount: 500, events: 5 }]));
    expect(await s.run("2025-03-31T01:00:00Z")).toMatchObject({ stored: 1 });
    const invoiceId = await periodInvoice(s, MARCH);
    await fee(s, { invoiceId, chargeId, units: "7.5", amount: 750, events: 8, taxes: 150 });
    // Paid in advance during the period (its own invoice): counted.
    await fee(s, { invoiceId: null, chargeId, units: "1", amount: 100, events: 1, inAdvance: { from: "2025-03-01T00:00:00.000Z", to: "2025-03-31T23:59:59.999Z" } });
    // Not counted: a fee that measured nothing, another period's advance fee, another subscription's fee.
    await fee(s, { invoiceId, chargeId, units: "0", amount: 0, events: 0 });
    await fee(s, { invoiceId: null, chargeId, units: "9", amount: 900, events: 9, inAdvance: { from: "2025-02-01T00:00:00.000Z", to: "2025-02-28T23:59:59.999Z" } });
    const other = await snapshotScenario();
    await fee(s, { invoiceId, chargeId, units: "40", amount: 4000, events: 40, subscriptionId: other.subscription.id });

    expect(await s.fillPeriodEnds()).toBe(1);
    // The period: 7.5 + 1 = 8.5 units, 850 cents, 9 events; the 31st's diff: 3.5, 350, 4.
    expect(figures(await s.stored())).toEqual([
      ["2025-03-30", [["5", 500, 5]], 500],
      ["2025-03-31", [["3.5", 350, 4]], 350],
    ]);
    const [, last] = await s.stored();
    expect(last?.from_datetime).toBe("2025-03-01 00:00:00");
    expect(last?.usage_diff.charges_usage[0]).toMatchObject({ charge: { lago_id: chargeId }, billable_metric: { code: "api_calls" }, amount_currency: "EUR" });
    // Once only; and the day is done: the next morning's run does not call Lago for it.
    expect(await s.fillPeriodEnds()).toBe(0);
    expect(await s.run("2025-04-01T01:00:00Z")).toMatchObject({ calls: 0 });
    const { body } = await getJson("/api/v1/analytics/usage?from_date=2025-03-01&to_date=2025-03-31&time_granularity=monthly", { apiKey: s.org.apiKey });
    expect((body.usages as Record<string, unknown>[]).map((u) => [u.units, u.amount_cents])).toEqual([["8.5", 850]]);
  });

  it("dates it on the period's last local day, and sums a grouped charge's groups", async () => {
    // UTC-11: the period's last instant, 23:59:59 on 31 March there, is 10:59:59 on 1 April in UTC.
    const s = await snapshotScenario({ customerZone: "Pacific/Pago_Pago" });
    const chargeId = await createCharge(s.org.id, s.metric.id);
    await s.lagoAnswers(customerUsage(s.metric, [{ id: chargeId, units: "1", amount: 100, events: 1 }]));
    await s.run("2025-03-30T12:00:00Z"); // 01:00 on the 30th there: the 29th
    const invoiceId = await periodInvoice(s, { from: "2025-03-01 11:00:00", to: "2025-04-01 10:59:59" });
    await fee(s, { invoiceId, chargeId, units: "2.25", amount: 225, events: 2, groupedBy: { cloud: "aws" } });
    await fee(s, { invoiceId, chargeId, units: "0.75", amount: 75, events: 1, groupedBy: { cloud: "gcp" } });
    expect(await s.fillPeriodEnds()).toBe(1);
    const rows = await s.stored();
    expect(rows.map((r) => r.usage_date)).toEqual(["2025-03-29", "2025-03-31"]);
    // A new period to the second (the snapshot's was 2025-03-01T00:00:00Z): the whole usage, 3 units.
    const charge = rows[1]!.usage_diff.charges_usage[0]!;
    expect([charge.units, charge.amount_cents, charge.events_count]).toEqual(["3", 300, 3]);
    expect(charge.grouped_usage?.map((g) => [g.grouped_by, g.units, g.amount_cents])).toEqual([[{ cloud: "aws" }, "2.25", 225], [{ cloud: "gcp" }, "0.75", 75]]);
  });

  it("takes terminating invoices too, but no draft, no starting invoice, none finalized before snapshots began or issued long before, and never over Lago's row", async () => {
    const s = await snapshotScenario();
    const chargeId = await createCharge(s.org.id, s.metric.id);
    await s.lagoAnswers(customerUsage(s.metric, [{ id: chargeId, units: "1", amount: 100, events: 1 }]));
    await s.run("2025-03-11T01:00:00Z");
    const periods = [
      { from: "2025-01-01 00:00:00", to: "2025-01-31 23:59:59", status: 0 }, // draft
      { from: "2025-02-01 00:00:00", to: "2025-02-28 23:59:59", reason: "subscription_starting" },
      { from: "2024-12-01 00:00:00", to: "2024-12-31 23:59:59", finalizedAt: "2020-01-01 00:00:00" }, // before snapshots began
      { from: "2024-11-01 00:00:00", to: "2024-11-30 23:59:59" }, // Lago has its own row for the 30th
      { from: "2024-10-01 00:00:00", to: "2024-10-31 23:59:59", issuedLongAgo: true }, // issued before the look-back
      { from: "2025-03-01 00:00:00", to: "2025-03-15 12:00:00", reason: "subscription_terminating" },
    ];
    for (const period of periods) await fee(s, { invoiceId: await periodInvoice(s, period), chargeId, units: "2", amount: 200, events: 2 });
    await testDb.execute(sql`
      INSERT INTO daily_usages (organization_id, customer_id, subscription_id, external_subscription_id, usage, usage_diff, usage_date)
      VALUES (${s.org.id}, ${s.customerId}, ${s.subscription.id}, ${s.subscription.externalId}, '{}', '{}', '2024-11-30')`);
    expect(await s.fillPeriodEnds()).toBe(1);
    // Terminated on the 15th: its own boundaries, so not the 10th's period (to the 31st): the whole 2 units.
    expect(figures(await s.stored())).toEqual([
      ["2025-03-10", [["1", 100, 1]], 100],
      ["2025-03-15", [["2", 200, 2]], 200],
    ]);
  });

  it("stores nothing for an organization whose snapshots never began", async () => {
    const s = await snapshotScenario();
    const chargeId = await createCharge(s.org.id, s.metric.id);
    await fee(s, { invoiceId: await periodInvoice(s, MARCH), chargeId, units: "2", amount: 200, events: 2 });
    expect(await s.fillPeriodEnds()).toBe(0);
    expect(await s.stored()).toEqual([]);
  });
});
