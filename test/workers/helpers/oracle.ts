// The answers both endpoints must give, worked out in TypeScript from the rows a test inserted
// (random-orgs.ts), straight from the documented behaviour (docs/api.md). Nothing here calls the service's
// queries: an oracle that shared their SQL would share their bugs.

// --- The rows, as the test inserted them -------------------------------------------------------

export type BillingModel = {
  /** 'YYYY-MM-DD HH:MM:SS', UTC. */
  orgCreatedAt: string;
  entities: { code: string; state: "live" | "archived" | "deleted" }[];
  /** One charge per metric; fees point at a metric through its charge. */
  metrics: { code: string; deleted: boolean }[];
  invoices: { entity: number; status: number; selfBilled: boolean; disputeLost: boolean }[];
  fees: {
    invoice: number | null;
    metric: number;
    amountCents: number;
    /** precise_coupons_amount_cents, exact decimal text. */
    coupons: string;
    currency: string;
    feeType: number;
    invoiceableType: string;
    createdAt: string;
    deleted: boolean;
  }[];
};

export type UsageModel = {
  customers: { externalId: string; type: "company" | "individual" | null; country: string | null }[];
  plans: { code: string }[];
  subscriptions: { customer: number; plan: number; externalId: string }[];
  metrics: { code: string; recurring: boolean; deleted: boolean }[];
  dailyUsages: {
    subscription: number;
    /** 'YYYY-MM-DD' or null. */
    date: string | null;
    records: { metric: number; units: string; amountCents: number; currency: string }[];
  }[];
};

export type Expected = { status: number; body: unknown };

// --- Exact decimals ------------------------------------------------------------------------------

const SCALE = 6;
const ONE = 10n ** BigInt(SCALE);

/** A decimal string ("12.5", "-3", "0.00125") as an integer number of millionths. */
export function toMicros(text: string): bigint {
  const match = /^(-?)([0-9]+)(?:\.([0-9]{0,6}))?$/.exec(text);
  if (!match) throw new Error(`not a decimal with at most ${SCALE} places: ${text}`);
  const [, sign, whole = "0", fraction = ""] = match;
  const value = BigInt(whole) * ONE + BigInt(fraction.padEnd(SCALE, "0"));
  return sign === "-" ? -value : value;
}

/** Rounded once to a whole number, half away from zero (numeric round() in Postgres). */
export function roundHalfAwayFromZero(micros: bigint): number {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / ONE + (2n * (abs % ONE) >= ONE ? 1n : 0n);
  return Number(negative ? -whole : whole);
}

/** Plain decimal text without trailing zeros after the point: "1250.5", "3", "0". */
export function formatMicros(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const fraction = (abs % ONE).toString().padStart(SCALE, "0").replace(/0+$/, "");
  const text = `${abs / ONE}${fraction ? `.${fraction}` : ""}`;
  return negative && text !== "0" ? `-${text}` : text;
}

// --- Calendar (UTC) ------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
const parseDay = (date: string) => Date.parse(`${date}T00:00:00Z`);
const formatDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (date: string, days: number) => formatDay(parseDay(date) + days * DAY_MS);
export const todayUtc = (now = new Date()) => now.toISOString().slice(0, 10);

/** The first instant of the UTC month `offset` months from `now`'s, as 'YYYY-MM-01'. */
export function monthStartDay(now: Date, offset: number): string {
  return formatDay(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
}

function period(granularity: string, date: string): { start: string; end: string } {
  if (granularity === "weekly") {
    const weekday = (new Date(parseDay(date)).getUTCDay() + 6) % 7; // Monday = 0
    const start = addDays(date, -weekday);
    return { start, end: addDays(start, 6) };
  }
  if (granularity === "monthly") {
    const d = new Date(parseDay(date));
    const start = formatDay(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
    return { start, end: formatDay(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - DAY_MS) };
  }
  return { start: date, end: date };
}

// Byte order, as the contract sorts codes and currencies (every test value is ASCII).
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// --- invoiced_usage ------------------------------------------------------------------------------

export type InvoicedUsageParams = { currency?: string; months?: number; billing_entity_code?: string };

export function expectedInvoicedUsage(m: BillingModel, q: InvoicedUsageParams, now = new Date()): Expected {
  let entities: Set<number> | undefined;
  if (q.billing_entity_code !== undefined) {
    entities = new Set(m.entities.flatMap((e, i) => (e.code === q.billing_entity_code && e.state !== "deleted" ? [i] : [])));
    if (entities.size === 0) return { status: 404, body: { status: 404, error: "Not Found", code: "billing_entity_not_found" } };
  }
  const from = q.months === undefined ? `${m.orgCreatedAt.slice(0, 7)}-01` : monthStartDay(now, 1 - q.months);
  const toExclusive = monthStartDay(now, 1);
  const currency = q.currency?.toUpperCase();

  const sums = new Map<string, { month: string; code: string; currency: string; micros: bigint }>();
  for (const fee of m.fees) {
    const invoice = fee.invoice === null ? undefined : m.invoices[fee.invoice];
    if (!invoice || fee.deleted || fee.feeType !== 0 || fee.invoiceableType !== "Charge") continue;
    if (invoice.status !== 1 || invoice.selfBilled || invoice.disputeLost) continue;
    if (entities && !entities.has(invoice.entity)) continue;
    if (currency !== undefined && fee.currency !== currency) continue;
    const day = fee.createdAt.slice(0, 10);
    if (day < from || day >= toExclusive) continue;
    const month = `${fee.createdAt.slice(0, 7)}-01T00:00:00.000Z`;
    const code = m.metrics[fee.metric]!.code;
    const key = `${month}|${code}|${fee.currency}`;
    const row = sums.get(key) ?? { month, code, currency: fee.currency, micros: 0n };
    row.micros += toMicros(String(fee.amountCents)) - toMicros(fee.coupons);
    sums.set(key, row);
  }
  const rows = [...sums.values()].map((r) => ({ month: r.month, code: r.code, currency: r.currency, amount_cents: roundHalfAwayFromZero(r.micros) }));
  rows.sort(
    (a, b) =>
      byteOrder(b.month, a.month) || b.amount_cents - a.amount_cents || byteOrder(a.code, b.code) || byteOrder(a.currency, b.currency),
  );
  return { status: 200, body: { invoiced_usages: rows } };
}

// --- usage ---------------------------------------------------------------------------------------

export type UsageParams = {
  time_granularity?: string;
  from_date?: string;
  to_date?: string;
  currency?: string;
  customer_type?: string;
  external_customer_id?: string;
  customer_country?: string;
  external_subscription_id?: string;
  plan_code?: string;
  billable_metric_code?: string;
  is_billable_metric_recurring?: string;
};

export function expectedUsage(m: UsageModel, organizationId: string, q: UsageParams, now = new Date()): Expected {
  const granularity = q.time_granularity ?? "daily";
  const to = q.to_date ?? todayUtc(now);
  const from = q.from_date ?? addDays(to, -30);
  const sums = new Map<string, { period: { start: string; end: string }; code: string; currency: string; amount: bigint; units: bigint }>();

  for (const du of m.dailyUsages) {
    if (du.date === null || du.date < from || du.date > to) continue;
    const subscription = m.subscriptions[du.subscription]!;
    const customer = m.customers[subscription.customer]!;
    if (q.external_subscription_id !== undefined && subscription.externalId !== q.external_subscription_id) continue;
    if (q.customer_type !== undefined && customer.type !== q.customer_type) continue;
    if (q.external_customer_id !== undefined && customer.externalId !== q.external_customer_id) continue;
    if (q.customer_country !== undefined && customer.country?.toUpperCase() !== q.customer_country.toUpperCase()) continue;
    if (q.plan_code !== undefined && m.plans[subscription.plan]!.code !== q.plan_code) continue;
    for (const record of du.records) {
      const metric = m.metrics[record.metric]!;
      if (q.currency !== undefined && record.currency !== q.currency.toUpperCase()) continue;
      if (q.billable_metric_code !== undefined && metric.code !== q.billable_metric_code) continue;
      if (q.is_billable_metric_recurring !== undefined && String(metric.recurring) !== q.is_billable_metric_recurring) continue;
      const p = period(granularity, du.date);
      const key = `${p.start}|${metric.code}|${record.currency}`;
      const row = sums.get(key) ?? { period: p, code: metric.code, currency: record.currency, amount: 0n, units: 0n };
      row.amount += toMicros(String(record.amountCents));
      row.units += toMicros(record.units);
      sums.set(key, row);
    }
  }
  const liveCodes = new Set(m.metrics.filter((metric) => !metric.deleted).map((metric) => metric.code));
  const rows = [...sums.values()]
    .sort((a, b) => byteOrder(a.period.start, b.period.start) || byteOrder(a.code, b.code) || byteOrder(a.currency, b.currency))
    .map((r) => ({
      organization_id: organizationId,
      start_of_period_dt: r.period.start,
      end_of_period_dt: r.period.end,
      amount_currency: r.currency,
      amount_cents: roundHalfAwayFromZero(r.amount),
      billable_metric_code: r.code,
      units: formatMicros(r.units),
      is_billable_metric_deleted: !liveCodes.has(r.code),
    }));
  return { status: 200, body: { usages: rows } };
}
