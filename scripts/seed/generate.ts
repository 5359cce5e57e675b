// Deterministic Lago-shaped data for the dev demo and for benchmarks (10k..1M rows). Everything comes
// from seeded streams and from `now`; the clock is never read, so a seed and a date give the same rows.
import { createRng } from "./random.ts";
import {
  buildOrganization, DAY_MS, pgDate, pgTimestamp, REFERENCE_TABLES,
  type ChargeRef, type OrgRef, type PlanTerms, type Row, type Settings,
} from "./reference.ts";

export { apiKeyValue, orgSlug, type Row } from "./reference.ts";

/** Every table the generator writes, in dependency order; the loader accepts no other name. */
export const LAGO_TABLES = [...REFERENCE_TABLES, "fees", "daily_usages"] as const;
export type LagoTable = (typeof LAGO_TABLES)[number];
/** Rows of one table, keyed by SQL column name; every row of a table has the same keys. */
export interface Batch { table: LagoTable; rows: Row[] }

export interface GenerateOptions {
  seed: number | string;
  /** Any instant of the "current month"; the window ends with that month. */
  now: Date;
  organizations?: number;
  /** Months in the window, the current one included; organizations are created in the first. */
  months?: number;
  feesPerOrganization?: number;
  /** Target count; subscriptions are added as needed so each keeps at most one row per day. */
  dailyUsagesPerOrganization?: number;
  /** Distinct metric codes (at least 3): one is deleted and recreated, the last is deleted. */
  metricsPerOrganization?: number;
  /** Customer (and so invoice and fee) currencies, assigned in turn. */
  currencies?: readonly string[];
  batchSize?: number;
}

export const GENERATE_DEFAULTS = {
  organizations: 4, months: 20, feesPerOrganization: 1000, dailyUsagesPerOrganization: 750,
  metricsPerOrganization: 5, currencies: ["USD", "EUR", "GBP"], batchSize: 1000,
} as const satisfies Omit<Required<GenerateOptions>, "seed" | "now">;

export function* generateLagoData(opts: GenerateOptions): Generator<Batch, void, undefined> {
  const s = settle(opts);
  const built = Array.from({ length: s.organizations }, (_, i) => buildOrganization(s, i));
  const orgs = built.map((b) => b.ref);
  for (const table of REFERENCE_TABLES) yield* inBatches(table, built.flatMap((b) => b.rows[table]), s.batchSize);
  built.length = 0; // reference rows are out; only the refs stay in memory while facts stream
  yield* inBatches("fees", perOrg(orgs, (org, i) => feeRows(s, org, i)), s.batchSize);
  yield* inBatches("daily_usages", perOrg(orgs, (org, i) => dailyUsageRows(s, org, i)), s.batchSize);
}

function settle(opts: GenerateOptions): Settings {
  // An explicit `undefined` means "default", as if the key were absent.
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as GenerateOptions;
  const o = { ...GENERATE_DEFAULTS, ...given };
  const nowMs = opts.now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError("now must be a valid Date");
  const minimums = [
    ["organizations", 1], ["months", 2], ["feesPerOrganization", 0], ["dailyUsagesPerOrganization", 0],
    ["metricsPerOrganization", 3], ["batchSize", 1],
  ] as const;
  for (const [name, min] of minimums) {
    if (!Number.isInteger(o[name]) || o[name] < min) throw new RangeError(`${name} must be an integer >= ${min}`);
  }
  if (o.currencies.length === 0) throw new RangeError("currencies must not be empty");
  const year = opts.now.getUTCFullYear();
  const firstMonth = opts.now.getUTCMonth() - (o.months - 1);
  const monthStart = (i: number) => Date.UTC(year, firstMonth + i, 1);
  return { ...o, nowMs, monthStart, days: Math.floor((nowMs - monthStart(0)) / DAY_MS) + 1 };
}

function* inBatches(table: LagoTable, rows: Iterable<Row>, size: number): Generator<Batch, void, undefined> {
  let batch: Row[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length >= size) { yield { table, rows: batch }; batch = []; }
  }
  if (batch.length > 0) yield { table, rows: batch };
}

function* perOrg(orgs: OrgRef[], rowsOf: (org: OrgRef, index: number) => Iterable<Row>): Generator<Row, void, undefined> {
  for (const [i, org] of orgs.entries()) yield* rowsOf(org, i);
}

const liveIn = (charges: ChargeRef[] | undefined, month: number): ChargeRef[] =>
  (charges ?? []).filter((c) => c.fromMonth <= month && month < c.toMonth);

// Weights of Lago's fee_type (charge 0, add_on 1, subscription 2, credit 3, commitment 4, fixed_charge 5).
const FEE_TYPES = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 1, 3, 4, 5];

function* feeRows(s: Settings, org: OrgRef, index: number): Generator<Row, void, undefined> {
  const rng = createRng(s.seed, "fees", index);
  for (let j = 0; j < s.feesPerOrganization; j++) {
    // Invoices were built months-in-turn, so walking them in turn covers every month with fees.
    const invoice = org.invoices[j % org.invoices.length];
    if (!invoice) return;
    const { sub } = invoice;
    const feeType = j < 6 ? j : rng.pick(FEE_TYPES);
    // A fee follows its invoice within two minutes, and never after `now` (early on the 1st of a month).
    const createdMs = invoice.createdMs + rng.int(0, Math.max(0, Math.min(119_999, s.nowMs - invoice.createdMs - 1)));
    const created = pgTimestamp(createdMs, rng.int(0, 999));
    const charge = feeType === 0 ? rng.pick(liveIn(org.chargesByPlan[sub.plan], invoice.month)) : null;
    const addOnId = feeType === 1 ? rng.pick(org.addOnIds) : null;
    const fixedChargeId = feeType === 5 ? rng.pick(org.fixedChargeIds) : null;
    const invoiceable =
      feeType === 0 ? ["Charge", charge?.id] : feeType === 1 ? ["AddOn", addOnId] : feeType === 2 ? ["Subscription", sub.id]
      : feeType === 3 ? ["WalletTransaction", rng.uuid()] : feeType === 4 ? ["Commitment", rng.pick(org.commitmentIds)]
      : ["FixedCharge", fixedChargeId];
    // Pay-in-advance charge fees exist before any invoice holds them: invoice_id stays null.
    const notInvoiced = feeType === 0 && j >= 6 && rng.chance(0.05);
    const amount = rng.int(1, 250_000);
    const units = charge ? rng.decimal(5_000, 1) : "1";
    // A subscription fee covers its plan's service period: the one starting in its invoice's month
    // when billed in advance, the one just ended when billed in arrears (what MRR spreads).
    const properties = feeType === 2 ? servicePeriod(s, org.planTerms[sub.plan], invoice.month) : {};
    yield {
      id: rng.uuid(), organization_id: org.id, billing_entity_id: sub.customer.entityId,
      invoice_id: notInvoiced ? null : invoice.id, subscription_id: feeType === 1 || feeType === 3 ? null : sub.id,
      charge_id: charge?.id ?? null, add_on_id: addOnId, fixed_charge_id: fixedChargeId,
      fee_type: feeType, invoiceable_type: invoiceable[0], invoiceable_id: invoiceable[1] ?? null,
      amount_cents: amount, precise_amount_cents: String(amount), amount_currency: sub.customer.currency,
      units, events_count: charge ? rng.int(1, 10_000) : null, unit_amount_cents: charge ? charge.priceCents : amount,
      // Coupons are spread pro rata in Lago, so this is fractional and never above the fee.
      precise_coupons_amount_cents: rng.chance(0.35) ? rng.decimal(Math.floor(amount * 0.3), 5) : "0.00000",
      taxes_rate: 20, taxes_amount_cents: Math.round(amount * 0.2), taxes_precise_amount_cents: (amount * 0.2).toFixed(5),
      pay_in_advance: notInvoiced, payment_status: notInvoiced ? 0 : rng.int(0, 2), properties,
      deleted_at: rng.chance(0.03) ? pgTimestamp(createdMs + 3_600_000) : null,
      created_at: created, updated_at: created,
    };
  }
}

const MONTHS_PER_INTERVAL: Record<number, number> = { 1: 1, 2: 12, 3: 3, 4: 6 };

function servicePeriod(s: Settings, terms: PlanTerms | undefined, month: number): Record<string, string> {
  if (!terms) return {};
  const start = terms.interval === 0
    ? (terms.payInAdvance ? s.monthStart(month) : s.monthStart(month) - 7 * DAY_MS)
    : s.monthStart(terms.payInAdvance ? month : month - (MONTHS_PER_INTERVAL[terms.interval] as number));
  const end = terms.interval === 0 ? start + 7 * DAY_MS : s.monthStart(month + (terms.payInAdvance ? (MONTHS_PER_INTERVAL[terms.interval] as number) : 0));
  return { from_datetime: isoSecond(start), to_datetime: isoSecond(end - 1000) };
}

const isoSecond = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const formatTenths = (t: number) => (t % 10 === 0 ? String(t / 10) : `${Math.floor(t / 10)}.${t % 10}`);

type UsageElement = ReturnType<typeof usageElement>;
function usageElement(c: ChargeRef, tenths: number, events: number, cents: number, currency: string) {
  return {
    units: formatTenths(tenths), events_count: events, amount_cents: cents, amount_currency: currency, pricing_unit_details: null,
    charge: { lago_id: c.id, charge_model: "standard", invoice_display_name: null, code: c.code },
    billable_metric: { lago_id: c.metric.id, name: c.metric.name, code: c.metric.code, aggregation_type: c.metric.aggregation },
    filters: [], grouped_usage: [],
  };
}

/** Rows per subscription, days spread evenly over its life; `usage` accumulates `usage_diff` per month. */
function* dailyUsageRows(s: Settings, org: OrgRef, index: number): Generator<Row, void, undefined> {
  const rng = createRng(s.seed, "daily_usages", index);
  let remaining = s.dailyUsagesPerOrganization;
  const perSub = Math.ceil(remaining / Math.max(1, org.usageSubs.length));
  for (const sub of org.usageSubs) {
    const lifeDays = sub.endMonth < s.months ? Math.round((s.monthStart(sub.endMonth) - s.monthStart(0)) / DAY_MS) : s.days;
    const count = Math.min(perSub, lifeDays, remaining);
    remaining -= count;
    const totals = new Map<string, { tenths: number; events: number; cents: number }>();
    let m = 0;
    for (let k = 0; k < count; k++) {
      const dayMs = s.monthStart(0) + Math.floor((k * lifeDays) / count) * DAY_MS;
      if (dayMs >= s.monthStart(m + 1)) { // days only move forward: a new billing period starts from zero
        while (dayMs >= s.monthStart(m + 1)) m++;
        totals.clear();
      }
      const currency = sub.customer.currency;
      const diff: UsageElement[] = [], cumulative: UsageElement[] = [];
      let diffCents = 0, totalCents = 0;
      for (const [i, c] of liveIn(org.chargesByPlan[sub.plan], m).entries()) {
        if (i > 0 && !rng.chance(0.7)) continue; // the first live charge (api_calls) always reports usage
        const tenths = rng.chance(0.05) ? 1 : rng.int(1, 5_000);
        const events = rng.int(1, 500);
        const cents = Math.round((tenths * c.priceCents) / 10);
        const t = totals.get(c.id) ?? { tenths: 0, events: 0, cents: 0 };
        t.tenths += tenths; t.events += events; t.cents += cents;
        totals.set(c.id, t);
        diff.push(usageElement(c, tenths, events, cents, currency));
        cumulative.push(usageElement(c, t.tenths, t.events, t.cents, currency));
        diffCents += cents; totalCents += t.cents;
      }
      const period = (cents: number, charges: UsageElement[]) => ({
        from_datetime: isoSecond(s.monthStart(m)), to_datetime: isoSecond(s.monthStart(m + 1) - 1000),
        issuing_date: pgDate(s.monthStart(m + 1)), currency, amount_cents: cents, total_amount_cents: cents,
        taxes_amount_cents: 0, charges_usage: charges,
      });
      const refreshed = pgTimestamp(Math.min(dayMs + DAY_MS + rng.int(0, 3_600_000), s.nowMs - 1), rng.int(0, 999));
      yield {
        id: rng.uuid(), organization_id: org.id, customer_id: sub.customer.id, subscription_id: sub.id,
        external_subscription_id: sub.externalId, usage_date: pgDate(dayMs),
        from_datetime: pgTimestamp(s.monthStart(m)), to_datetime: pgTimestamp(s.monthStart(m + 1) - 1, 999),
        usage: period(totalCents, cumulative), usage_diff: period(diffCents, diff),
        refreshed_at: refreshed, created_at: refreshed, updated_at: refreshed,
      };
    }
  }
}
