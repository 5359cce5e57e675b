import { creditNotes, customers, fees, plans, subscriptions } from "../../../src/db/schema/index.ts";
import { testDb as db } from "./db.ts";
import { createBillingEntity, createInvoice, createOrganization, type InvoiceOptions } from "./factories.ts";

// Factories for gross_revenue, invoice_collection, mrr and overdue_balance: invoices with their
// payment state, credit notes, plans of each interval and their subscription fees. Like factories.ts,
// each inserts one row with only what a test cares about.

const one = <T>(rows: T[]): T => rows[0] as T;

export type CreditNoteOptions = { status?: number; refundAmountCents?: number; offsetAmountCents?: number };

export type PlanOptions = { interval: number | null; payInAdvance: boolean | null };

export type SubscriptionFeeOptions = {
  amountCents: number;
  preciseCouponsAmountCents?: string;
  taxesAmountCents?: number;
  /** fees.properties' service period. */
  from?: string;
  to?: string;
  properties?: Record<string, unknown>;
  currency?: string;
  feeType?: number;
  deletedAt?: string;
};

export type InstantFeeOptions = {
  amountCents: number;
  createdAt: string;
  currency?: string;
  deletedAt?: string;
  payInAdvance?: boolean;
  billingEntityId?: string;
  subscriptionId?: string | null;
  invoiceId?: string | null;
};

/**
 * An organization with a key, a billing entity `main` and a customer `cus_1`, and helpers that add
 * invoices, credit notes and fees to it. Invoices default to finalized, USD, issued on the given
 * date, payment pending, not overdue.
 */
export async function createRevenueScenario(opts: { orgCreatedAt?: string } = {}) {
  const org = await createOrganization({ createdAt: opts.orgCreatedAt ?? "2025-01-15 10:00:00" });
  const billingEntityId = await createBillingEntity(org.id, { code: "main" });
  const customerId = await createRevenueCustomer(org.id, billingEntityId, "cus_1");

  // Issued 2025-03-10, payment pending and not overdue unless the test says otherwise.
  const invoice = (o: InvoiceOptions = {}) =>
    createInvoice(org.id, {
      ...o,
      billingEntityId: o.billingEntityId ?? billingEntityId,
      customerId: o.customerId === undefined ? customerId : o.customerId,
      issuingDate: o.issuingDate === undefined ? "2025-03-10" : o.issuingDate,
      paymentOverdue: o.paymentOverdue === undefined ? false : o.paymentOverdue,
    });

  const creditNote = async (invoiceId: string, o: CreditNoteOptions) => {
    await db.insert(creditNotes).values({
      organizationId: org.id,
      customerId,
      invoiceId,
      number: `CN-${crypto.randomUUID().slice(0, 8)}`,
      creditAmountCurrency: "USD",
      balanceAmountCurrency: "USD",
      totalAmountCurrency: "USD",
      issuingDate: "2025-03-20",
      status: o.status ?? 1,
      refundAmountCents: o.refundAmountCents ?? 0,
      offsetAmountCents: o.offsetAmountCents ?? 0,
    });
  };

  const subscription = async (plan: PlanOptions, customer = customerId) => {
    const planId = one(
      await db
        .insert(plans)
        .values({ organizationId: org.id, name: "plan", code: `plan_${crypto.randomUUID().slice(0, 8)}`, interval: plan.interval, payInAdvance: plan.payInAdvance })
        .returning({ id: plans.id }),
    ).id;
    return one(
      await db
        .insert(subscriptions)
        .values({ organizationId: org.id, customerId: customer, planId, externalId: `sub_${crypto.randomUUID().slice(0, 8)}`, status: 1 })
        .returning({ id: subscriptions.id }),
    ).id;
  };

  /** A subscription fee on `invoiceId` for a new subscription on a plan of that interval. */
  const subscriptionFee = async (invoiceId: string, plan: PlanOptions | { subscriptionId: string }, o: SubscriptionFeeOptions) => {
    const subscriptionId = "subscriptionId" in plan ? plan.subscriptionId : await subscription(plan);
    const properties = o.properties ?? (o.from === undefined ? {} : { from_datetime: o.from, to_datetime: o.to });
    await db.insert(fees).values({
      organizationId: org.id,
      billingEntityId,
      invoiceId,
      subscriptionId,
      amountCents: o.amountCents,
      preciseCouponsAmountCents: o.preciseCouponsAmountCents ?? "0",
      taxesAmountCents: o.taxesAmountCents ?? 0,
      amountCurrency: o.currency ?? "USD",
      feeType: o.feeType ?? 2,
      invoiceableType: "Subscription",
      invoiceableId: subscriptionId,
      properties,
      createdAt: "2025-03-01 00:00:00",
      deletedAt: o.deletedAt,
    });
    return subscriptionId;
  };

  let instantSubscription: string | undefined;
  /** A pay-in-advance charge fee that no invoice holds (Lago's "instant" fees). */
  const instantFee = async (o: InstantFeeOptions) => {
    instantSubscription ??= await subscription({ interval: 1, payInAdvance: true });
    await db.insert(fees).values({
      organizationId: org.id,
      billingEntityId: o.billingEntityId ?? billingEntityId,
      invoiceId: o.invoiceId ?? null,
      subscriptionId: o.subscriptionId === undefined ? instantSubscription : o.subscriptionId,
      amountCents: o.amountCents,
      amountCurrency: o.currency ?? "USD",
      feeType: 0,
      invoiceableType: "Charge",
      payInAdvance: o.payInAdvance ?? true,
      createdAt: o.createdAt,
      deletedAt: o.deletedAt,
    });
  };

  return { org, billingEntityId, customerId, invoice, creditNote, subscription, subscriptionFee, instantFee };
}

export async function createRevenueCustomer(organizationId: string, billingEntityId: string, externalId: string, opts: { deletedAt?: string } = {}) {
  return one(
    await db
      .insert(customers)
      .values({ organizationId, billingEntityId, externalId, deletedAt: opts.deletedAt })
      .returning({ id: customers.id }),
  ).id;
}
