// Per-organization reference data (organizations .. invoices). It is small next to fees and daily
// usages, so it is built whole and kept in memory (as refs) while those are streamed.
import { createRng, type Rng } from "./random.ts";

export type Row = Record<string, unknown>;
export const REFERENCE_TABLES = [
  "organizations", "api_keys", "billing_entities", "customers", "plans",
  "billable_metrics", "charges", "subscriptions", "invoices", "credit_notes",
] as const;
export type ReferenceTable = (typeof REFERENCE_TABLES)[number];

/** Options with defaults applied, plus the window derived from `now`. */
export interface Settings {
  seed: number | string; nowMs: number; organizations: number; months: number; batchSize: number;
  feesPerOrganization: number; dailyUsagesPerOrganization: number; metricsPerOrganization: number;
  currencies: readonly string[];
  /** The first instant of month `i` of the window; month `months - 1` is the current one. */
  monthStart(i: number): number;
  /** Days from the window's first day to today, inclusive. */
  days: number;
}

export const DAY_MS = 86_400_000;
/** Lago's `timestamp(6)` text, UTC: 'YYYY-MM-DD HH:MM:SS.ffffff' (ms from the clock, µs from the stream). */
export const pgTimestamp = (ms: number, micros = 0): string => {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(micros).padStart(3, "0")}`;
};
export const pgDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export interface MetricRef { id: string; code: string; name: string; aggregation: string }
/** Valid in window months [fromMonth, toMonth): deletions happen exactly at month starts. */
export interface ChargeRef { id: string; code: string; metric: MetricRef; priceCents: number; fromMonth: number; toMonth: number }
export interface CustomerRef { id: string; entityId: string; currency: string }
export interface SubscriptionRef { id: string; externalId: string; customer: CustomerRef; plan: number; endMonth: number }
export interface InvoiceRef { id: string; sub: SubscriptionRef; month: number; createdMs: number }
/** A plan's billing: Lago's plans.interval (weekly 0, monthly 1, yearly 2, quarterly 3, semiannual 4) and timing. */
export interface PlanTerms { interval: number; payInAdvance: boolean }
export interface OrgRef {
  id: string; slug: string; createdMs: number; planTerms: PlanTerms[];
  chargesByPlan: ChargeRef[][]; usageSubs: SubscriptionRef[]; invoices: InvoiceRef[];
  addOnIds: string[]; commitmentIds: string[]; fixedChargeIds: string[];
}

const ORG_NAMES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka"];
const REGIONS = [["us", "US", "USD"], ["eu", "FR", "EUR"], ["uk", "GB", "GBP"]] as const;
const COUNTRIES = ["US", "FR", "DE", "GB", "ES", "CA", "NL"];
const CUSTOMER_TYPES = ["company", "individual", "company", null, "individual"] as const;
// Lago's aggregation_type integers and the names its API (and so daily_usages json) uses.
const AGGREGATIONS: Record<number, string> = { 0: "count_agg", 1: "sum_agg", 2: "max_agg", 3: "unique_count_agg", 5: "weighted_sum_agg", 6: "latest_agg" };
const METRICS: [code: string, name: string, aggregation: number, recurring: boolean][] = [
  ["api_calls", "API calls", 0, false], ["storage_gb", "Storage (GB)", 5, true], ["seats", "Seats", 3, true],
  ["compute_hours", "Compute hours", 1, false], ["bandwidth_gb", "Bandwidth (GB)", 1, false],
  ["peak_connections", "Peak connections", 2, false], ["active_projects", "Active projects", 6, true],
];
const PLANS = [["starter", "Starter", 4_900], ["pro", "Pro", 19_900], ["enterprise", "Enterprise", 99_900]] as const;
// Every interval in advance and in arrears: plan p of organization i takes combination 3i + p, so any
// four organizations hold all ten.
const PLAN_TERMS: PlanTerms[] = [0, 1, 2, 3, 4].flatMap((interval) => [true, false].map((payInAdvance) => ({ interval, payInAdvance })));
export const planTermsOf = (orgIndex: number, plan: number): PlanTerms => PLAN_TERMS[(3 * orgIndex + plan) % PLAN_TERMS.length] as PlanTerms;
// Mostly active; every Lago status (pending 0, active 1, terminated 2, canceled 3) in any 8.
const SUB_STATUSES = [1, 1, 2, 1, 0, 1, 3, 1];
// Invoice statuses after the first eight (which are 0..7 in order): mostly finalized.
const LATER_INVOICE_STATUSES = [1, 1, 1, 1, 1, 1, 0, 2, 3, 4, 5, 6, 7];

export const orgSlug = (index: number): string =>
  `${(ORG_NAMES[index % ORG_NAMES.length] as string).toLowerCase()}${index < ORG_NAMES.length ? "" : Math.floor(index / ORG_NAMES.length) + 1}`;
export const apiKeyValue = (slug: string, n: number): string => `demo_${slug}_${n}`;

export function buildOrganization(s: Settings, index: number): { ref: OrgRef; rows: Record<ReferenceTable, Row[]> } {
  const rng = createRng(s.seed, "reference", index);
  const M = s.months;
  const slug = orgSlug(index);
  const name = `${slug[0]?.toUpperCase()}${slug.slice(1)} Inc.`;
  const createdMs = s.monthStart(0) + index * 3_600_000;
  const at = (ms: number) => pgTimestamp(ms, rng.int(0, 999));
  const stamps = (ms: number) => { const t = at(ms); return { created_at: t, updated_at: t }; };
  const id = rng.uuid();
  const rows: Record<ReferenceTable, Row[]> = {
    organizations: [{ id, name, slug, ...stamps(createdMs), default_currency: "USD", timezone: "UTC", document_locale: "en",
      country: "US", email: `billing@${slug}.example`, hmac_key: rng.uuid() }],
    api_keys: [], billing_entities: [], customers: [], plans: [], billable_metrics: [], charges: [], subscriptions: [], invoices: [],
    credit_notes: [],
  };
  const key = (n: number, expiresAt: string | null) => rows.api_keys.push({ id: rng.uuid(), organization_id: id,
    value: apiKeyValue(slug, n), name: `Key ${n}`, expires_at: expiresAt, ...stamps(createdMs) });
  // The first organization also holds an expired key; the second a key that expires in the future.
  key(1, index === 1 ? pgTimestamp(s.nowMs + 365 * DAY_MS) : null);
  if (index === 0) key(2, pgTimestamp(s.nowMs - 30 * DAY_MS));

  const entities = REGIONS.slice(0, index === 0 ? 3 : 2).map(([suffix, country, currency]) => {
    const row = { id: rng.uuid(), organization_id: id, name: `${name} ${suffix.toUpperCase()}`, code: `${slug}_${suffix}`,
      country, default_currency: currency, timezone: "UTC", document_locale: "en", ...stamps(createdMs) };
    rows.billing_entities.push(row);
    return row.id;
  });

  // Enough subscriptions that each one's daily usage fits in half the window (terminated ones stop midway).
  const subCount = Math.max(12, Math.ceil((3 * s.dailyUsagesPerOrganization) / s.days));
  const customers: CustomerRef[] = Array.from({ length: Math.max(6, Math.ceil(subCount / 2)) }, (_, n) => {
    const ref = { id: rng.uuid(), entityId: entities[n % entities.length] as string, currency: s.currencies[n % s.currencies.length] as string };
    const type = CUSTOMER_TYPES[n % CUSTOMER_TYPES.length] ?? null;
    rows.customers.push({ id: ref.id, organization_id: id, billing_entity_id: ref.entityId, external_id: `cust_${slug}_${n + 1}`,
      name: type === "individual" ? `Person ${n + 1}` : `Customer ${n + 1} Ltd`, customer_type: type,
      country: COUNTRIES[n % COUNTRIES.length], currency: ref.currency, sequential_id: n + 1, ...stamps(createdMs + (n + 1) * 60_000) });
    return ref;
  });

  const planTerms = PLANS.map((_, p) => planTermsOf(index, p));
  const plans = PLANS.map(([code, planName, cents], p) => {
    const planId = rng.uuid();
    const terms = planTerms[p] as PlanTerms;
    rows.plans.push({ id: planId, organization_id: id, code, name: planName, amount_cents: cents, amount_currency: "USD",
      interval: terms.interval, pay_in_advance: terms.payInAdvance, ...stamps(createdMs) });
    return planId;
  });

  // Metric 1 is deleted and recreated with the same code halfway; the last one is deleted for good.
  const k = Math.max(3, s.metricsPerOrganization);
  const recreatedAt = Math.max(1, Math.floor(M / 2));
  const deletedAt = Math.max(1, Math.floor((2 * M) / 3));
  const chargesByPlan: ChargeRef[][] = plans.map(() => []);
  const metric = (n: number, fromMonth: number, toMonth: number) => {
    const [code, metricName, aggregation, recurring] = METRICS[n] ?? [`metric_${n + 1}`, `Metric ${n + 1}`, 1, false];
    const ref: MetricRef = { id: rng.uuid(), code, name: metricName, aggregation: AGGREGATIONS[aggregation] as string };
    const created = fromMonth === 0 ? createdMs : s.monthStart(fromMonth);
    rows.billable_metrics.push({ id: ref.id, organization_id: id, code, name: metricName, aggregation_type: aggregation, recurring,
      field_name: aggregation === 0 ? null : "value", deleted_at: toMonth < M ? pgTimestamp(s.monthStart(toMonth)) : null, ...stamps(created) });
    plans.forEach((planId, p) => {
      // One more charge (enterprise plan, metric 2) is removed from its plan while its metric lives on.
      const until = p === 2 && n === 2 ? Math.min(toMonth, Math.max(1, M - 3)) : toMonth;
      const charge: ChargeRef = { id: rng.uuid(), code, metric: ref, priceCents: rng.int(1, 40), fromMonth, toMonth: until };
      chargesByPlan[p]?.push(charge);
      rows.charges.push({ id: charge.id, organization_id: id, plan_id: planId, billable_metric_id: ref.id, code, charge_model: 0,
        amount_currency: "USD", properties: { amount: (charge.priceCents / 100).toFixed(2) },
        deleted_at: until < M ? pgTimestamp(s.monthStart(until)) : null, ...stamps(created) });
    });
  };
  for (let n = 0; n < k; n++) {
    if (n === 1) { metric(n, 0, recreatedAt); metric(n, recreatedAt, M); } else metric(n, 0, n === k - 1 ? deletedAt : M);
  }

  const usageSubs: SubscriptionRef[] = [];
  const subsByMonth: SubscriptionRef[][] = Array.from({ length: M }, () => []);
  for (let n = 0; n < subCount; n++) {
    const status = SUB_STATUSES[n % SUB_STATUSES.length] as number;
    const customer = customers[n % customers.length] as CustomerRef;
    const plan = n % plans.length;
    const endMonth = status === 2 ? rng.int(Math.ceil(M / 2), M - 1) : M;
    const ref = { id: rng.uuid(), externalId: `sub_${slug}_${n + 1}`, customer, plan, endMonth };
    const started = status === 1 || status === 2 ? at(createdMs + 3_600_000) : null;
    rows.subscriptions.push({ id: ref.id, organization_id: id, customer_id: customer.id, plan_id: plans[plan], status,
      external_id: ref.externalId, name: `Subscription ${n + 1}`, billing_entity_id: customer.entityId,
      started_at: started, subscription_at: started ?? pgTimestamp(s.nowMs + 10 * DAY_MS),
      terminated_at: status === 2 ? pgTimestamp(s.monthStart(endMonth)) : null,
      canceled_at: status === 3 ? at(createdMs + DAY_MS) : null, ...stamps(createdMs + 3_600_000) });
    if (started === null) continue; // pending and canceled subscriptions never bill nor report usage
    usageSubs.push(ref);
    for (let m = 0; m < endMonth; m++) subsByMonth[m]?.push(ref);
  }

  const invoices = buildInvoices(s, rng, rows.invoices, { id, slug, createdMs }, subsByMonth);
  addPayments(s, createRng(s.seed, "payments", index), rows);
  const ids = (n: number) => Array.from({ length: n }, () => rng.uuid());
  return { rows, ref: { id, slug, createdMs, planTerms, chargesByPlan, usageSubs, invoices, addOnIds: ids(2), commitmentIds: ids(2), fixedChargeIds: ids(3) } };
}

/** One invoice per ~8 fees, months taken in turn so every month of the window has invoices. */
function buildInvoices(s: Settings, rng: Rng, out: Row[], org: { id: string; slug: string; createdMs: number }, subsByMonth: SubscriptionRef[][]): InvoiceRef[] {
  const count = Math.max(s.months * 10, Math.ceil(s.feesPerOrganization / 8));
  const perCustomer = new Map<string, number>();
  const refs: InvoiceRef[] = [];
  for (let j = 0; j < count; j++) {
    const month = j % s.months;
    const sub = rng.pick(subsByMonth[month] ?? []);
    // Fees are stamped up to two minutes after their invoice; keep both inside the month and before now.
    const lo = Math.max(s.monthStart(month), org.createdMs + DAY_MS);
    const hi = Math.max(lo + 1, Math.min(s.monthStart(month + 1), s.nowMs) - 120_000);
    const createdMs = lo + Math.floor(rng.next() * (hi - lo));
    // Self-billed and dispute-lost invoices are finalized ones: the exclusion rules only matter there.
    const selfBilled = j % 17 === 10;
    const disputeLost = j % 13 === 9;
    const status = j < 8 ? j : selfBilled || disputeLost ? 1 : rng.pick(LATER_INVOICE_STATUSES);
    const seq = (perCustomer.get(sub.customer.id) ?? 0) + 1;
    perCustomer.set(sub.customer.id, seq);
    const created = pgTimestamp(createdMs, rng.int(0, 999));
    const invoiceId = rng.uuid();
    out.push({ id: invoiceId, organization_id: org.id, customer_id: sub.customer.id, billing_entity_id: sub.customer.entityId,
      number: `${org.slug.toUpperCase()}-${String(j + 1).padStart(6, "0")}`, sequential_id: seq, organization_sequential_id: j + 1,
      status, invoice_type: 0, currency: sub.customer.currency, issuing_date: pgDate(createdMs), self_billed: selfBilled,
      payment_dispute_lost_at: disputeLost ? pgTimestamp(Math.min(createdMs + 20 * DAY_MS, s.nowMs)) : null,
      finalized_at: status === 1 ? created : null, voided_at: status === 2 ? created : null, timezone: "UTC",
      created_at: created, updated_at: created });
    refs.push({ id: invoiceId, sub, month, createdMs });
  }
  return refs;
}

// Payment terms (days) invoices are given in turn; 0 is due on issue.
const NET_TERMS = [0, 15, 30, 45];

/**
 * What gross_revenue, invoice_collection and overdue_balance read: each invoice's total, payment
 * status, due date (some still in the future), overdue flag (as Lago keeps it, stale on a few voided
 * invoices) and partial payments; credit notes of every status, refunding or offsetting. From a
 * stream of its own, so the rows drawn before stay as they were.
 */
function addPayments(s: Settings, rng: Rng, rows: Record<ReferenceTable, Row[]>): void {
  for (const [j, invoice] of rows.invoices.entries()) {
    const issuedMs = Date.parse(`${invoice.issuing_date as string}T00:00:00Z`);
    const total = rng.int(0, 500_000);
    const paymentStatus = rng.pick([0, 1, 1, 1, 2]);
    const dueMs = issuedMs + (NET_TERMS[j % NET_TERMS.length] as number) * DAY_MS;
    const unpaid = invoice.status === 1 && paymentStatus !== 1 && invoice.payment_dispute_lost_at === null;
    const overdue = (unpaid && dueMs < s.nowMs) || (invoice.status === 2 && j % 5 === 0);
    Object.assign(invoice, {
      total_amount_cents: total, fees_amount_cents: total, payment_status: paymentStatus, net_payment_term: NET_TERMS[j % NET_TERMS.length],
      payment_due_date: pgDate(dueMs), payment_overdue: overdue,
      total_paid_amount_cents: paymentStatus === 1 ? total : rng.chance(0.3) ? rng.int(0, total) : 0,
    });
    if (j % 9 !== 4) continue;
    // Draft 0, finalized 1, deleted 2; a refund, an offset, or both.
    const status = [1, 1, 0, 2][(j >> 2) % 4] as number;
    const refund = j % 2 === 0 ? rng.int(0, total) : 0;
    const offset = j % 3 !== 0 ? rng.int(0, total - refund) : 0;
    const currency = invoice.currency as string;
    rows.credit_notes.push({
      id: rng.uuid(), organization_id: invoice.organization_id, customer_id: invoice.customer_id, invoice_id: invoice.id,
      sequential_id: j + 1, number: `${invoice.number as string}-CN1`, status, reason: 0,
      credit_amount_cents: 0, credit_amount_currency: currency, balance_amount_cents: 0, balance_amount_currency: currency,
      total_amount_cents: refund + offset, total_amount_currency: currency,
      refund_amount_cents: refund, refund_amount_currency: currency, offset_amount_cents: offset, offset_amount_currency: currency,
      issuing_date: pgDate(Math.min(issuedMs + 5 * DAY_MS, s.nowMs)),
      created_at: invoice.created_at, updated_at: invoice.created_at,
    });
  }
}
