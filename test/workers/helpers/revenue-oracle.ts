// The answers of gross_revenue, invoice_collection, mrr and overdue_balance, worked out in TypeScript
// from the rows a test inserted (revenue-model.ts), straight from the documented behaviour
// (docs/api.md): exact rationals in BigInt, never the service's SQL.
import { type Expected, monthStartDay } from "./oracle.ts";

export type RevenueModel = {
  /** 'YYYY-MM-DD HH:MM:SS', UTC. */
  orgCreatedAt: string;
  entities: { code: string; state: "live" | "archived" | "deleted" }[];
  customers: { externalId: string; deleted: boolean }[];
  invoices: {
    entity: number; customer: number; status: number; selfBilled: boolean; disputeLost: boolean; currency: string | null;
    /** 'YYYY-MM-DD' or null. */
    issuingDate: string | null; paymentStatus: number; totalCents: number; paidCents: number;
    dueDate: string | null; overdue: boolean | null;
  }[];
  creditNotes: { invoice: number; status: number; refundCents: number; offsetCents: number }[];
  /** Pay-in-advance fees of a subscription of `customer`, with no invoice (unless `invoice`). */
  instantFees: { entity: number; customer: number; amountCents: number; currency: string; createdAt: string; deleted: boolean; payInAdvance: boolean }[];
  subscriptionFees: {
    invoice: number; interval: number | null; payInAdvance: boolean | null; amountCents: number;
    /** precise_coupons_amount_cents, exact decimal text (at most 5 places). */
    coupons: string; taxesCents: number; currency: string; deleted: boolean;
    /** fees.properties' service period, 'YYYY-MM-DDTHH:MM:SSZ'. */
    from: string; to: string;
  }[];
};

export type RevenueParams = { currency?: string; months?: number; billing_entity_code?: string; external_customer_id?: string };
/** What the test knows once the rows are in: the organization's billing entities' and invoices' ids. */
export type Inserted = { entityIds: string[]; invoiceIds: string[] };

// --- Exact rationals -----------------------------------------------------------------------------

type Q = { n: bigint; d: bigint };
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
const q = (n: bigint, d = 1n): Q => {
  const g = gcd(n, d) || 1n;
  return d < 0n ? { n: -n / g, d: -d / g } : { n: n / g, d: d / g };
};
const add = (a: Q, b: Q) => q(a.n * b.d + b.n * a.d, a.d * b.d);
const sub = (a: Q, b: Q) => add(a, { n: -b.n, d: b.d });
const mul = (a: Q, b: Q) => q(a.n * b.n, a.d * b.d);
const div = (a: Q, b: Q) => q(a.n * b.d, a.d * b.n);
/** A decimal string as a rational. */
const decimal = (text: string): Q => {
  const [whole = "0", fraction = ""] = text.split(".");
  return q(BigInt(whole + fraction), 10n ** BigInt(fraction.length));
};
/** Half away from zero, as PostgreSQL's numeric round(). */
function round(x: Q): number {
  const abs = x.n < 0n ? -x.n : x.n;
  const whole = (2n * abs + x.d) / (2n * x.d);
  return Number(x.n < 0n ? -whole : whole);
}

// --- The window and the filters ------------------------------------------------------------------

const NOT_FOUND: Expected = { status: 404, body: { status: 404, error: "Not Found", code: "billing_entity_not_found" } };
const monthOf = (date: string) => `${date.slice(0, 7)}-01`;
const monthText = (month: string) => `${month}T00:00:00.000Z`;
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type Scope = { months: string[]; inWindow(month: string): boolean; currency?: string; entity(i: number): boolean; customer(i: number): boolean };

/** The window's months and the filters, or a 404 for an unknown billing entity. */
function scope(m: RevenueModel, p: RevenueParams, takesCustomer: boolean, now: Date): Scope | Expected {
  let entities: Set<number> | undefined;
  if (p.billing_entity_code !== undefined) {
    entities = new Set(m.entities.flatMap((e, i) => (e.code === p.billing_entity_code && e.state !== "deleted" ? [i] : [])));
    if (entities.size === 0) return NOT_FOUND;
  }
  const created = monthOf(m.orgCreatedAt);
  const fromMonths = p.months === undefined ? created : monthStartDay(now, 1 - p.months);
  const first = fromMonths > created ? fromMonths : created;
  const end = monthStartDay(now, 1);
  const months: string[] = [];
  for (let i = 0; ; i++) {
    const month = monthStartDay(new Date(`${first}T00:00:00Z`), i);
    if (month >= end) break;
    months.push(month);
  }
  const customer = takesCustomer ? p.external_customer_id : undefined;
  return {
    months,
    inWindow: (month) => month >= first && month < end,
    currency: p.currency?.toUpperCase(),
    entity: (i) => entities === undefined || entities.has(i),
    customer: (i) => customer === undefined || (m.customers[i]!.externalId === customer && !m.customers[i]!.deleted),
  };
}

const isScope = (s: Scope | Expected): s is Scope => "months" in s;

/** The invoices the four endpoints count (before their own rules), with their index. */
function counted(m: RevenueModel, s: Scope) {
  return m.invoices.flatMap((inv, i) =>
    inv.status === 1 && !inv.selfBilled && !inv.disputeLost && inv.currency !== null && s.entity(inv.entity) && s.customer(inv.customer)
      && (s.currency === undefined || inv.currency === s.currency) ? [{ ...inv, currency: inv.currency, i }] : []);
}

const finalizedCredit = (m: RevenueModel, invoice: number, field: "refundCents" | "offsetCents") =>
  m.creditNotes.filter((cn) => cn.invoice === invoice && cn.status === 1).reduce((sum, cn) => sum + BigInt(cn[field]), 0n);

function sumBy<T>(items: T[], key: (t: T) => string) {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

// --- The four endpoints --------------------------------------------------------------------------

export function expectedGrossRevenue(m: RevenueModel, ids: Inserted, p: RevenueParams, now = new Date()): Expected {
  const s = scope(m, p, true, now);
  if (!isScope(s)) return s;
  const items = [
    ...counted(m, s).filter((inv) => inv.issuingDate !== null && s.inWindow(monthOf(inv.issuingDate))).map((inv) => ({
      month: monthOf(inv.issuingDate!), currency: inv.currency, entity: ids.entityIds[inv.entity]!,
      amount: BigInt(inv.totalCents) - finalizedCredit(m, inv.i, "refundCents"), invoices: 1,
    })),
    ...m.instantFees.filter((f) => !f.deleted && f.payInAdvance && s.entity(f.entity) && s.customer(f.customer)
      && (s.currency === undefined || f.currency === s.currency) && s.inWindow(monthOf(f.createdAt))).map((f) => ({
      month: monthOf(f.createdAt), currency: f.currency, entity: ids.entityIds[f.entity]!, amount: BigInt(f.amountCents), invoices: 0,
    })),
  ];
  const rows = [...sumBy(items, (r) => `${r.month}|${r.currency}|${r.entity}`).values()].map((group) => ({
    month: monthText(group[0]!.month),
    amount_cents: Number(group.reduce((sum, r) => sum + r.amount, 0n)),
    currency: group[0]!.currency,
    invoices_count: group.reduce((sum, r) => sum + r.invoices, 0),
    billing_entity_id: group[0]!.entity,
  }));
  rows.sort((a, b) => byteOrder(a.month, b.month) || byteOrder(a.currency, b.currency) || byteOrder(a.billing_entity_id, b.billing_entity_id));
  return { status: 200, body: { gross_revenues: rows } };
}

const PAYMENT_STATUSES = ["pending", "succeeded", "failed"];

export function expectedInvoiceCollection(m: RevenueModel, _ids: Inserted, p: RevenueParams, now = new Date()): Expected {
  const s = scope(m, p, false, now);
  if (!isScope(s)) return s;
  const invoices = counted(m, s).filter((inv) => inv.issuingDate !== null && s.inWindow(monthOf(inv.issuingDate)) && inv.paymentStatus <= 2);
  const rows: { month: string; payment_status: string | null; invoices_count: number; amount_cents: number; currency: string | null }[] =
    [...sumBy(invoices, (inv) => `${monthOf(inv.issuingDate!)}|${inv.paymentStatus}|${inv.currency}`).values()].map((group) => ({
      month: monthText(monthOf(group[0]!.issuingDate!)),
      payment_status: PAYMENT_STATUSES[group[0]!.paymentStatus]!,
      invoices_count: group.length,
      amount_cents: group.reduce((sum, inv) => sum + inv.totalCents, 0),
      currency: group[0]!.currency,
    }));
  if (s.currency === undefined) {
    for (const month of s.months) {
      if (!rows.some((r) => r.month === monthText(month))) rows.push({ month: monthText(month), payment_status: null, invoices_count: 0, amount_cents: 0, currency: null });
    }
  }
  rows.sort((a, b) => byteOrder(a.month, b.month) || byteOrder(a.payment_status ?? "", b.payment_status ?? "") || byteOrder(a.currency ?? "", b.currency ?? ""));
  return { status: 200, body: { invoice_collections: rows } };
}

export function expectedOverdueBalance(m: RevenueModel, ids: Inserted, p: RevenueParams, now = new Date()): Expected {
  const s = scope(m, p, true, now);
  if (!isScope(s)) return s;
  const invoices = counted(m, s).filter((inv) => inv.overdue === true && (inv.paymentStatus === 0 || inv.paymentStatus === 2)
    && inv.dueDate !== null && s.inWindow(monthOf(inv.dueDate)));
  const rows = [...sumBy(invoices, (inv) => `${monthOf(inv.dueDate!)}|${inv.currency}|${ids.entityIds[inv.entity]}`).values()].map((group) => ({
    month: monthText(monthOf(group[0]!.dueDate!)),
    amount_cents: Number(group.reduce((sum, inv) => sum + BigInt(inv.totalCents - inv.paidCents) - finalizedCredit(m, inv.i, "offsetCents"), 0n)),
    currency: group[0]!.currency,
    lago_invoice_ids: group.map((inv) => ids.invoiceIds[inv.i]!).sort(byteOrder),
    billing_entity_id: ids.entityIds[group[0]!.entity]!,
  }));
  rows.sort((a, b) => byteOrder(a.month, b.month) || byteOrder(a.currency, b.currency) || byteOrder(a.billing_entity_id, b.billing_entity_id));
  return { status: 200, body: { overdue_balances: rows } };
}

/** Months after `month` ('YYYY-MM-01'), negative before. */
const shift = (month: string, k: number) => monthStartDay(new Date(`${month}T00:00:00Z`), k);
const daysBetween = (a: string, b: string) => (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;

/** The (month, share) pairs of one subscription fee, or none when it does not count. */
function shares(fee: RevenueModel["subscriptionFees"][number], issuingDate: string): { month: string; share: Q }[] {
  const a = add(sub(q(BigInt(fee.amountCents)), decimal(fee.coupons)), q(BigInt(fee.taxesCents)));
  const issuingMonth = monthOf(issuingDate);
  if (fee.interval === 1) return [{ month: issuingMonth, share: a }];
  if (fee.interval === null || fee.interval === 0 || fee.payInAdvance === null) return [];
  // Whole minutes of the period (seconds dropped), over 30.44-day months of 1440 minutes.
  const minutes = Math.floor((Date.parse(fee.to) - Date.parse(fee.from)) / 60_000);
  if (minutes <= 0) return [];
  const b = q(BigInt(minutes) * 10n, 438_336n);
  const n = Number((b.n + b.d - 1n) / b.d);
  if (n === 1) return [{ month: issuingMonth, share: a }];
  const perMonth = div(a, b);
  const out: { month: string; share: Q }[] = [];
  if (fee.payInAdvance) {
    const nextMonth = shift(issuingMonth, 1);
    const first = mul(perMonth, q(BigInt(daysBetween(issuingDate, nextMonth)), BigInt(daysBetween(issuingMonth, nextMonth))));
    out.push({ month: issuingMonth, share: first });
    for (let k = 1; k < n - 1; k++) out.push({ month: shift(issuingMonth, k), share: perMonth });
    out.push({ month: shift(issuingMonth, n - 1), share: sub(a, add(first, mul(perMonth, q(BigInt(n - 2))))) });
  } else {
    for (let k = 0; k < n - 1; k++) out.push({ month: shift(issuingMonth, -k), share: perMonth });
    out.push({ month: shift(issuingMonth, -(n - 1)), share: sub(a, mul(perMonth, q(BigInt(n - 1)))) });
  }
  return out;
}

export function expectedMrr(m: RevenueModel, _ids: Inserted, p: RevenueParams, now = new Date()): Expected {
  const s = scope(m, p, false, now);
  if (!isScope(s)) return s;
  const invoices = new Map(counted(m, { ...s, currency: undefined }).map((inv) => [inv.i, inv]));
  const totals = new Map<string, { month: string; currency: string; sum: Q }>();
  const addShare = (month: string, currency: string, share: Q) => {
    const key = `${month}|${currency}`;
    const row = totals.get(key) ?? { month, currency, sum: q(0n) };
    row.sum = add(row.sum, share);
    totals.set(key, row);
  };
  const weekly = new Map<string, { month: string; currency: string; sum: Q; invoices: Set<number> }>();
  for (const fee of m.subscriptionFees) {
    const invoice = invoices.get(fee.invoice);
    if (!invoice || fee.deleted || invoice.issuingDate === null || (s.currency !== undefined && fee.currency !== s.currency)) continue;
    if (fee.interval === 0) {
      const month = monthOf(invoice.issuingDate);
      const key = `${month}|${fee.currency}`;
      const row = weekly.get(key) ?? { month, currency: fee.currency, sum: q(0n), invoices: new Set<number>() };
      row.sum = add(row.sum, add(sub(q(BigInt(fee.amountCents)), decimal(fee.coupons)), q(BigInt(fee.taxesCents))));
      row.invoices.add(fee.invoice);
      weekly.set(key, row);
      continue;
    }
    for (const { month, share } of shares(fee, invoice.issuingDate)) addShare(month, fee.currency, share);
  }
  for (const w of weekly.values()) addShare(w.month, w.currency, mul(div(w.sum, q(BigInt(w.invoices.size))), q(433n, 100n)));
  const rows: { month: string; amount_cents: number | null; currency: string | null }[] = [...totals.values()]
    .filter((r) => s.inWindow(r.month))
    .map((r) => ({ month: monthText(r.month), amount_cents: round(r.sum), currency: r.currency }));
  if (s.currency === undefined) {
    for (const month of s.months) if (!rows.some((r) => r.month === monthText(month))) rows.push({ month: monthText(month), amount_cents: null, currency: null });
  }
  rows.sort((a, b) => byteOrder(a.month, b.month) || byteOrder(a.currency ?? "", b.currency ?? ""));
  return { status: 200, body: { mrrs: rows } };
}
