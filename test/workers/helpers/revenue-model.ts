// Random organizations for the revenue endpoints' property test: fast-check arbitraries for their
// rows (invoices with payment state, credit notes, instant fees, subscription fees on plans of every
// interval) and for valid parameters, and the inserts that turn a model into Lago rows. Codes,
// currencies and external ids come from small pools shared by every organization.
import * as fc from "fast-check";
import { apiKeys, billingEntities, creditNotes, customers, fees, invoices, organizations, plans, subscriptions } from "../../../src/db/schema/index.ts";
import { testDb as db } from "./db.ts";
import { addDays, monthStartDay } from "./oracle.ts";
import type { Inserted, RevenueModel, RevenueParams } from "./revenue-oracle.ts";

const NOW = new Date();
const ENTITY_CODES = ["main", "eu", "us"];
const CURRENCIES = ["USD", "EUR", "GBP"];
const CUSTOMER_IDS = ["cus_1", "cus_2"];
const DELETED_AT = "2024-01-01 00:00:00";
// Service periods, in seconds: a 90-day quarter less a second, a 92-day one, a whole 5 billed months
// (152 days 4:48), half a year, a year less a second, under a month, and one that ends before it starts.
const PERIODS = [90 * 86_400 - 1, 92 * 86_400, 152 * 86_400 + 4 * 3600 + 48 * 60, 181 * 86_400, 365 * 86_400 - 1, 27 * 86_400, -86_400];

const sometimes = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: arb, weight: 1 });
const weighted = <T>(common: T, others: readonly T[]) =>
  fc.oneof({ arbitrary: fc.constant(common), weight: 5 }, { arbitrary: fc.constantFrom(...others), weight: 1 });
const decimal5 = fc.tuple(fc.integer({ min: 0, max: 2_000_000 }), fc.boolean()).map(([n, whole]) => (whole ? String(Math.floor(n / 1e5)) : `${Math.floor(n / 1e5)}.${String(n % 1e5).padStart(5, "0")}`));
const dateIn = (monthOffset: number, day: number) => `${monthStartDay(NOW, monthOffset).slice(0, 8)}${String(day).padStart(2, "0")}`;

export const revenueModel: fc.Arbitrary<RevenueModel> = fc
  .record({
    orgMonth: fc.integer({ min: -14, max: 0 }),
    entities: fc.array(fc.record({ code: fc.constantFrom(...ENTITY_CODES), state: weighted("live" as const, ["archived", "deleted"] as const) }), { minLength: 1, maxLength: 3 }),
    customers: fc.array(fc.record({ externalId: fc.constantFrom(...CUSTOMER_IDS), deleted: weighted(false, [true]) }), { minLength: 1, maxLength: 3 }),
    invoices: fc.array(
      fc.record({
        entity: fc.nat(), customer: fc.nat(), status: weighted(1, [0, 2, 8]), selfBilled: weighted(false, [true]), disputeLost: weighted(false, [true]),
        currency: weighted<string | null>("USD", ["EUR", "GBP", null]),
        month: fc.integer({ min: -16, max: 0 }), day: fc.integer({ min: 1, max: 28 }), undated: weighted(false, [true]),
        paymentStatus: fc.constantFrom(0, 1, 2), totalCents: fc.integer({ min: 0, max: 300_000 }), paidPart: fc.integer({ min: 0, max: 100 }),
        dueDays: weighted<number | null>(15, [0, 45, null]), overdue: weighted<boolean | null>(true, [false, null]),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    creditNotes: fc.array(fc.record({ invoice: fc.nat(), status: fc.constantFrom(0, 1, 1, 2), refundCents: fc.integer({ min: 0, max: 50_000 }), offsetCents: fc.integer({ min: 0, max: 50_000 }) }), { maxLength: 3 }),
    instantFees: fc.array(
      fc.record({
        entity: fc.nat(), customer: fc.nat(), amountCents: fc.integer({ min: 0, max: 100_000 }), currency: fc.constantFrom(...CURRENCIES),
        month: fc.integer({ min: -16, max: 0 }), day: fc.integer({ min: 1, max: 28 }), deleted: weighted(false, [true]), payInAdvance: weighted(true, [false]),
      }),
      { maxLength: 3 },
    ),
    subscriptionFees: fc.array(
      fc.record({
        invoice: fc.nat(), interval: fc.constantFrom<number | null>(0, 1, 1, 2, 3, 3, 4, null), payInAdvance: weighted<boolean | null>(true, [false, false, null]),
        amountCents: fc.integer({ min: 0, max: 200_000 }), coupons: decimal5, taxesCents: fc.integer({ min: 0, max: 40_000 }),
        currency: weighted("USD", ["EUR"]), deleted: weighted(false, [true]), period: fc.nat(), startDays: fc.constantFrom(0, 0, -3, 9),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  })
  .map((r) => {
    const invoiceRows = r.invoices.map((i) => {
      const issuingDate = i.undated ? null : dateIn(i.month, i.day);
      return {
        entity: i.entity % r.entities.length, customer: i.customer % r.customers.length, status: i.status, selfBilled: i.selfBilled,
        disputeLost: i.disputeLost, currency: i.currency, issuingDate, paymentStatus: i.paymentStatus, totalCents: i.totalCents,
        paidCents: Math.floor((i.totalCents * i.paidPart) / 100),
        dueDate: i.dueDays === null || issuingDate === null ? null : addDays(issuingDate, i.dueDays), overdue: i.overdue,
      };
    });
    return {
      orgCreatedAt: `${dateIn(r.orgMonth, 15)} 10:00:00`,
      entities: keepOneLivePerCode(r.entities),
      customers: r.customers,
      invoices: invoiceRows,
      creditNotes: r.creditNotes.map((cn) => ({ ...cn, invoice: cn.invoice % invoiceRows.length })),
      instantFees: r.instantFees.map(({ month, day, ...f }) => ({
        ...f, entity: f.entity % r.entities.length, customer: f.customer % r.customers.length, createdAt: `${dateIn(month, day)} 12:00:00`,
      })),
      subscriptionFees: r.subscriptionFees.map(({ period, startDays, ...f }) => {
        const invoice = f.invoice % invoiceRows.length;
        const start = Date.parse(`${invoiceRows[invoice]!.issuingDate ?? dateIn(0, 1)}T00:00:00Z`) + startDays * 86_400_000;
        const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
        return { ...f, invoice, from: iso(start), to: iso(start + (PERIODS[period % PERIODS.length] as number) * 1000) };
      }),
    };
  });

// Lago keeps one live, unarchived billing entity per code: a later duplicate is archived instead.
function keepOneLivePerCode(rows: RevenueModel["entities"]): RevenueModel["entities"] {
  const seen = new Set<string>();
  return rows.map((e) => {
    if (e.state !== "live") return e;
    if (seen.has(e.code)) return { ...e, state: "archived" as const };
    seen.add(e.code);
    return e;
  });
}

export const revenueParams: fc.Arbitrary<RevenueParams> = fc.record({
  currency: sometimes(fc.constantFrom("USD", "eur", "gbp", "JPY")),
  months: sometimes(fc.integer({ min: 1, max: 18 })),
  billing_entity_code: sometimes(fc.constantFrom(...ENTITY_CODES, "nowhere")),
  external_customer_id: sometimes(fc.constantFrom(...CUSTOMER_IDS, "cus_9")),
});

const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

export async function insertRevenueModel(m: RevenueModel): Promise<{ id: string; apiKey: string } & Inserted> {
  const [org] = await db.insert(organizations).values({ name: "Random org", createdAt: m.orgCreatedAt }).returning({ id: organizations.id });
  const organizationId = org!.id;
  const apiKey = crypto.randomUUID();
  await db.insert(apiKeys).values({ organizationId, value: apiKey });
  const entityIds = ids(await db.insert(billingEntities).values(m.entities.map((e) => ({
    organizationId, name: e.code, code: e.code,
    deletedAt: e.state === "deleted" ? DELETED_AT : undefined, archivedAt: e.state === "archived" ? DELETED_AT : undefined,
  }))).returning({ id: billingEntities.id }));
  const customerIds = ids(await db.insert(customers).values(m.customers.map((c) => ({
    organizationId, billingEntityId: entityIds[0]!, externalId: c.externalId, deletedAt: c.deleted ? DELETED_AT : undefined,
  }))).returning({ id: customers.id }));
  const invoiceIds = ids(await db.insert(invoices).values(m.invoices.map((i) => ({
    organizationId, billingEntityId: entityIds[i.entity]!, customerId: customerIds[i.customer]!, number: `INV-${crypto.randomUUID().slice(0, 8)}`,
    status: i.status, selfBilled: i.selfBilled, paymentDisputeLostAt: i.disputeLost ? DELETED_AT : undefined, currency: i.currency,
    issuingDate: i.issuingDate, paymentStatus: i.paymentStatus, totalAmountCents: i.totalCents, totalPaidAmountCents: i.paidCents,
    paymentDueDate: i.dueDate, paymentOverdue: i.overdue,
  }))).returning({ id: invoices.id }));
  if (m.creditNotes.length > 0) {
    await db.insert(creditNotes).values(m.creditNotes.map((cn) => ({
      organizationId, customerId: customerIds[0]!, invoiceId: invoiceIds[cn.invoice]!, number: "CN", creditAmountCurrency: "USD",
      balanceAmountCurrency: "USD", totalAmountCurrency: "USD", issuingDate: "2025-01-01", status: cn.status,
      refundAmountCents: cn.refundCents, offsetAmountCents: cn.offsetCents,
    })));
  }
  const subscription = async (customer: number, interval: number | null, payInAdvance: boolean | null) => {
    const [plan] = await db.insert(plans).values({ organizationId, name: "p", code: `p_${crypto.randomUUID().slice(0, 8)}`, interval, payInAdvance }).returning({ id: plans.id });
    const [sub] = await db.insert(subscriptions).values({
      organizationId, customerId: customerIds[customer]!, planId: plan!.id, externalId: `sub_${crypto.randomUUID().slice(0, 8)}`, status: 1,
    }).returning({ id: subscriptions.id });
    return sub!.id;
  };
  for (const f of m.instantFees) {
    await db.insert(fees).values({
      organizationId, billingEntityId: entityIds[f.entity]!, invoiceId: null, subscriptionId: await subscription(f.customer, 1, true),
      amountCents: f.amountCents, amountCurrency: f.currency, feeType: 0, invoiceableType: "Charge", payInAdvance: f.payInAdvance,
      createdAt: f.createdAt, deletedAt: f.deleted ? DELETED_AT : undefined,
    });
  }
  for (const f of m.subscriptionFees) {
    const invoice = m.invoices[f.invoice]!;
    await db.insert(fees).values({
      organizationId, billingEntityId: entityIds[invoice.entity]!, invoiceId: invoiceIds[f.invoice]!,
      subscriptionId: await subscription(invoice.customer, f.interval, f.payInAdvance),
      amountCents: f.amountCents, preciseCouponsAmountCents: f.coupons, taxesAmountCents: f.taxesCents, amountCurrency: f.currency,
      feeType: 2, invoiceableType: "Subscription", properties: { from_datetime: f.from, to_datetime: f.to },
      createdAt: `${invoice.issuingDate ?? "2025-01-01"} 00:00:00`, deletedAt: f.deleted ? DELETED_AT : undefined,
    });
  }
  return { id: organizationId, apiKey, entityIds, invoiceIds };
}
