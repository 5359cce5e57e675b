// Random organizations for the property tests: fast-check arbitraries for the rows (small: a
// handful per table) and for valid parameters, and the inserts that turn a model into Lago rows.
// Codes, currencies and external ids come from small pools shared by every organization, so a row
// that reached the wrong organization would change its sums.
import * as fc from "fast-check";
import {
  apiKeys,
  billableMetrics,
  billingEntities,
  charges,
  customers,
  dailyUsages,
  fees,
  invoices,
  organizations,
  plans,
  subscriptions,
} from "../../../src/db/schema/index.ts";
import { testDb as db } from "./db.ts";
import { addDays, type BillingModel, type InvoicedUsageParams, monthStartDay, todayUtc, type UsageModel, type UsageParams } from "./oracle.ts";

const NOW = new Date();
const TODAY = todayUtc(NOW);
const METRIC_CODES = ["api_calls", "storage", "seats"];
const ENTITY_CODES = ["main", "eu", "us"];
const CURRENCIES = ["USD", "EUR", "GBP"];
const CUSTOMER_IDS = ["cus_1", "cus_2"];
const SUBSCRIPTION_IDS = ["sub_1", "sub_2", "sub_3"];
const PLAN_CODES = ["starter", "pro"];
const COUNTRIES = ["FR", "fr", "US", "de"];

/** Mostly absent: a parameter is given one time in `1 + absent`. */
const sometimes = <T>(arb: fc.Arbitrary<T>, absent = 2) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: absent }, { arbitrary: arb, weight: 1 });
// The usage filters are many: each is rarer, so that most answers still hold rows.
const rarely = <T>(arb: fc.Arbitrary<T>) => sometimes(arb, 5);
/** Usually `common` (five times in six), otherwise one of `others`: the rows that must not count. */
const weighted = <T>(common: T, others: readonly T[]) =>
  fc.oneof({ arbitrary: fc.constant(common), weight: 5 }, { arbitrary: fc.constantFrom(...others), weight: 1 });
/** A decimal string with up to `places` decimals (trailing zeros kept: "1.50"). */
const decimal = (max: number, places: number) =>
  fc.tuple(fc.integer({ min: 0, max }), fc.integer({ min: 0, max: places })).map(([n, p]) =>
    p === 0 ? String(n) : `${Math.floor(n / 10 ** p)}.${String(n % 10 ** p).padStart(p, "0")}`,
  );
const timestampInMonth = (monthOffset: number, day: number, hour: number) =>
  `${monthStartDay(NOW, monthOffset).slice(0, 8)}${String(day).padStart(2, "0")} ${String(hour).padStart(2, "0")}:30:00`;

// Lago's unique indexes allow one live (and, for billing entities, non-archived) row per code:
// a later duplicate becomes archived or deleted instead.
function keepOneLivePerCode<T extends { code: string }>(rows: T[], isLive: (r: T) => boolean, retire: (r: T) => T): T[] {
  const seen = new Set<string>();
  return rows.map((r) => {
    if (!isLive(r)) return r;
    if (seen.has(r.code)) return retire(r);
    seen.add(r.code);
    return r;
  });
}

// --- invoiced_usage ------------------------------------------------------------------------------

export const billingModel: fc.Arbitrary<BillingModel> = fc
  .record({
    orgMonth: fc.integer({ min: -14, max: 0 }),
    entities: fc.array(fc.record({ code: fc.constantFrom(...ENTITY_CODES), state: weighted("live" as const, ["archived", "deleted"] as const) }), { minLength: 1, maxLength: 3 }),
    metrics: fc.array(fc.record({ code: fc.constantFrom(...METRIC_CODES), deleted: fc.boolean() }), { minLength: 1, maxLength: 3 }),
    invoices: fc.array(
      fc.record({
        entity: fc.nat(),
        status: weighted(1, [0, 2, 3, 4, 5, 6, 7]),
        selfBilled: weighted(false, [true]),
        disputeLost: weighted(false, [true]),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    fees: fc.array(
      fc.record({
        invoice: weighted<number | null>(0, [1, 2, 3, null]),
        metric: fc.nat(),
        amountCents: fc.integer({ min: 0, max: 500_000 }),
        coupons: decimal(20_000, 5),
        currency: fc.constantFrom(...CURRENCIES),
        feeType: weighted(0, [1, 2, 3, 4, 5]),
        invoiceableType: weighted("Charge", ["AddOn", "Subscription"]),
        month: fc.integer({ min: -20, max: 1 }),
        day: fc.integer({ min: 1, max: 28 }),
        hour: fc.integer({ min: 0, max: 23 }),
        deleted: weighted(false, [true]),
      }),
      { minLength: 2, maxLength: 14 },
    ),
  })
  .map(({ orgMonth, entities, metrics, invoices: invoiceRows, fees: feeRows }) => ({
    orgCreatedAt: timestampInMonth(orgMonth, 15, 10),
    entities: keepOneLivePerCode(entities, (e) => e.state === "live", (e) => ({ ...e, state: "archived" as const })),
    metrics: keepOneLivePerCode(metrics, (m) => !m.deleted, (m) => ({ ...m, deleted: true })),
    invoices: invoiceRows.map((i) => ({ ...i, entity: i.entity % entities.length })),
    fees: feeRows.map(({ month, day, hour, ...f }) => ({
      ...f,
      invoice: f.invoice === null ? null : f.invoice % invoiceRows.length,
      metric: f.metric % metrics.length,
      createdAt: timestampInMonth(month, day, hour),
    })),
  }));

export const invoicedUsageParams: fc.Arbitrary<InvoicedUsageParams> = fc.record({
  currency: sometimes(fc.constantFrom("USD", "usd", "Eur", "gbp", "JPY")),
  months: sometimes(fc.integer({ min: 1, max: 24 })),
  billing_entity_code: sometimes(fc.constantFrom(...ENTITY_CODES, "nowhere")),
});

const one = <T>(rows: T[]): T => rows[0] as T;
const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

async function insertOrganization(createdAt?: string) {
  const org = one(await db.insert(organizations).values({ name: "Random org", createdAt }).returning({ id: organizations.id }));
  const apiKey = crypto.randomUUID();
  await db.insert(apiKeys).values({ organizationId: org.id, value: apiKey });
  return { id: org.id, apiKey };
}

const DELETED_AT = "2024-01-01 00:00:00";

export async function insertBillingModel(m: BillingModel) {
  const org = await insertOrganization(m.orgCreatedAt);
  const organizationId = org.id;
  const entityIds = ids(
    await db
      .insert(billingEntities)
      .values(m.entities.map((e) => ({
        organizationId, name: e.code, code: e.code,
        deletedAt: e.state === "deleted" ? DELETED_AT : undefined,
        archivedAt: e.state === "archived" ? DELETED_AT : undefined,
      })))
      .returning({ id: billingEntities.id }),
  );
  const metricIds = ids(
    await db
      .insert(billableMetrics)
      .values(m.metrics.map((x) => ({ organizationId, name: x.code, code: x.code, deletedAt: x.deleted ? DELETED_AT : undefined })))
      .returning({ id: billableMetrics.id }),
  );
  const chargeIds = ids(
    await db.insert(charges).values(metricIds.map((billableMetricId) => ({ organizationId, billableMetricId, code: "charge" }))).returning({ id: charges.id }),
  );
  const invoiceIds = ids(
    await db
      .insert(invoices)
      .values(m.invoices.map((i) => ({
        organizationId, billingEntityId: entityIds[i.entity]!, number: `INV-${crypto.randomUUID().slice(0, 8)}`,
        status: i.status, selfBilled: i.selfBilled, paymentDisputeLostAt: i.disputeLost ? DELETED_AT : undefined, currency: "USD",
      })))
      .returning({ id: invoices.id }),
  );
  if (m.fees.length > 0) {
    await db.insert(fees).values(
      m.fees.map((f) => ({
        organizationId,
        invoiceId: f.invoice === null ? null : invoiceIds[f.invoice]!,
        chargeId: chargeIds[f.metric]!,
        billingEntityId: entityIds[f.invoice === null ? 0 : m.invoices[f.invoice]!.entity]!,
        amountCents: f.amountCents,
        preciseCouponsAmountCents: f.coupons,
        amountCurrency: f.currency,
        feeType: f.feeType,
        invoiceableType: f.invoiceableType,
        invoiceableId: chargeIds[f.metric]!,
        createdAt: f.createdAt,
        deletedAt: f.deleted ? DELETED_AT : undefined,
      })),
    );
  }
  return org;
}

// --- usage ---------------------------------------------------------------------------------------

export const usageModel: fc.Arbitrary<UsageModel> = fc
  .record({
    customers: fc.array(
      fc.record({
        externalId: fc.constantFrom(...CUSTOMER_IDS),
        type: fc.constantFrom("company" as const, "individual" as const, null),
        country: fc.constantFrom(...COUNTRIES, null),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    plans: fc.array(fc.record({ code: fc.constantFrom(...PLAN_CODES) }), { minLength: 1, maxLength: 2 }),
    subscriptions: fc.array(
      fc.record({ customer: fc.nat(), plan: fc.nat(), externalId: fc.constantFrom(...SUBSCRIPTION_IDS) }),
      { minLength: 1, maxLength: 3 },
    ),
    metrics: fc.array(fc.record({ code: fc.constantFrom(...METRIC_CODES), recurring: fc.boolean(), deleted: weighted(false, [true]) }), {
      minLength: 1,
      maxLength: 3,
    }),
    dailyUsages: fc.array(
      fc.record({
        subscription: fc.nat(),
        day: weighted<number | null>(0, [null]).chain((d) => (d === null ? fc.constant(null) : fc.integer({ min: -45, max: 3 }))),
        records: fc.array(
          fc.record({
            metric: fc.nat(),
            units: decimal(100_000, 4),
            amountCents: fc.integer({ min: 0, max: 100_000 }).map((n) => n / 100),
            currency: fc.constantFrom(...CURRENCIES),
          }),
          { minLength: 1, maxLength: 3 },
        ),
      }),
      { maxLength: 10 },
    ),
  })
  .map((m) => ({
    customers: m.customers,
    plans: m.plans,
    subscriptions: m.subscriptions.map((s) => ({ ...s, customer: s.customer % m.customers.length, plan: s.plan % m.plans.length })),
    metrics: keepOneLivePerCode(m.metrics, (x) => !x.deleted, (x) => ({ ...x, deleted: true })),
    dailyUsages: m.dailyUsages.map(({ day, ...du }) => ({
      subscription: du.subscription % m.subscriptions.length,
      date: day === null ? null : addDays(TODAY, day),
      records: du.records.map((r) => ({ ...r, metric: r.metric % m.metrics.length })),
    })),
  }));

const dateOffset = fc.integer({ min: -50, max: 5 }).map((d) => addDays(TODAY, d));

export const usageParams: fc.Arbitrary<UsageParams> = fc
  .record({
    time_granularity: sometimes(fc.constantFrom("daily", "weekly", "monthly")),
    dates: fc.oneof(
      fc.constant({}),
      fc.tuple(dateOffset, dateOffset).map(([a, b]) => (a <= b ? { from_date: a, to_date: b } : { from_date: b, to_date: a })),
      dateOffset.map((to_date) => ({ to_date })),
      fc.integer({ min: -50, max: 0 }).map((d) => ({ from_date: addDays(TODAY, d) })),
    ),
    currency: rarely(fc.constantFrom("USD", "eur", "Gbp")),
    customer_type: rarely(fc.constantFrom("company", "individual")),
    external_customer_id: rarely(fc.constantFrom(...CUSTOMER_IDS)),
    customer_country: rarely(fc.constantFrom("FR", "us", "De", "IT")),
    external_subscription_id: rarely(fc.constantFrom(...SUBSCRIPTION_IDS)),
    plan_code: rarely(fc.constantFrom(...PLAN_CODES)),
    billable_metric_code: rarely(fc.constantFrom(...METRIC_CODES)),
    is_billable_metric_recurring: rarely(fc.constantFrom("true", "false")),
  })
  .map(({ dates, ...rest }) => ({ ...rest, ...dates }));

export async function insertUsageModel(m: UsageModel) {
  const org = await insertOrganization();
  const organizationId = org.id;
  const billingEntityId = one(
    await db.insert(billingEntities).values({ organizationId, name: "main", code: "main" }).returning({ id: billingEntities.id }),
  ).id;
  const customerIds = ids(
    await db
      .insert(customers)
      .values(m.customers.map((c) => ({ organizationId, billingEntityId, externalId: c.externalId, customerType: c.type, country: c.country })))
      .returning({ id: customers.id }),
  );
  const planIds = ids(await db.insert(plans).values(m.plans.map((p) => ({ organizationId, name: p.code, code: p.code }))).returning({ id: plans.id }));
  const subscriptionIds = ids(
    await db
      .insert(subscriptions)
      .values(m.subscriptions.map((s) => ({
        organizationId, customerId: customerIds[s.customer]!, planId: planIds[s.plan]!, externalId: s.externalId, status: 1,
      })))
      .returning({ id: subscriptions.id }),
  );
  const metricIds = ids(
    await db
      .insert(billableMetrics)
      .values(m.metrics.map((x) => ({ organizationId, name: x.code, code: x.code, recurring: x.recurring, deletedAt: x.deleted ? DELETED_AT : undefined })))
      .returning({ id: billableMetrics.id }),
  );
  if (m.dailyUsages.length > 0) {
    await db.insert(dailyUsages).values(
      m.dailyUsages.map((du) => {
        const s = m.subscriptions[du.subscription]!;
        return {
          organizationId,
          customerId: customerIds[s.customer]!,
          subscriptionId: subscriptionIds[du.subscription]!,
          externalSubscriptionId: s.externalId,
          usageDate: du.date,
          usageDiff: {
            charges_usage: du.records.map((r) => ({
              units: r.units,
              amount_cents: r.amountCents,
              amount_currency: r.currency,
              billable_metric: { lago_id: metricIds[r.metric]!, code: m.metrics[r.metric]!.code, name: m.metrics[r.metric]!.code, aggregation_type: "sum_agg" },
            })),
          },
        };
      }),
    );
  }
  return org;
}
