import { describe, expect, it } from "vitest";
import { createBillingEntity } from "./helpers/factories.ts";
import { monthKey, monthStart } from "./helpers/months.ts";
import { getJson } from "./helpers/request.ts";
import { createRevenueScenario } from "./helpers/revenue-factories.ts";

// Expected values are worked from the contract's formulas: b = minutes / (30.44 × 1440), n = ceil(b),
// a share A / b (the first in-advance one × days left / days in the issuing month), the last share
// what remains of A; each (month, currency) row rounded once, half away from zero.

const PATH = "/api/v1/analytics/mrr";
const WEEKLY = 0;
const MONTHLY = 1;
const YEARLY = 2;
const QUARTERLY = 3;
const SEMIANNUAL = 4;
const advance = (interval: number) => ({ interval, payInAdvance: true });
const arrears = (interval: number) => ({ interval, payInAdvance: false });

async function mrrs(apiKey: string, query = "?currency=USD") {
  const { status, body } = await getJson(`${PATH}${query}`, { apiKey });
  expect(status).toBe(200);
  return body.mrrs;
}

const usd = (month: string, amount: number) => ({ month: `${month}T00:00:00.000Z`, amount_cents: amount, currency: "USD" });

describe("mrr: monthly and weekly plans", () => {
  it("counts a monthly fee after coupons and with taxes in its issuing month, rounded half away from zero", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2025-03-31" });
    // 1000 - 100.5 + 200 = 1099.5 -> 1100
    await s.subscriptionFee(invoice, advance(MONTHLY), { amountCents: 1000, preciseCouponsAmountCents: "100.5", taxesAmountCents: 200 });
    const april = await s.invoice({ issuingDate: "2025-04-01" });
    await s.subscriptionFee(april, arrears(MONTHLY), { amountCents: 0 }); // a fee of exactly 0 still makes a row
    expect(await mrrs(s.org.apiKey)).toEqual([usd("2025-03-01", 1100), usd("2025-04-01", 0)]);
  });

  it("divides a month's weekly total by its number of invoices, not fees, times 4.33", async () => {
    const s = await createRevenueScenario();
    const first = await s.invoice({ issuingDate: "2025-05-05" });
    const second = await s.invoice({ issuingDate: "2025-05-12" });
    const weekly = await s.subscription(advance(WEEKLY));
    await s.subscriptionFee(first, { subscriptionId: weekly }, { amountCents: 100 });
    await s.subscriptionFee(first, { subscriptionId: weekly }, { amountCents: 200 });
    await s.subscriptionFee(second, { subscriptionId: weekly }, { amountCents: 300 });
    // (100 + 200 + 300) / 2 invoices × 4.33 = 1299 (Lago divides by the 3 fees: 866)
    expect(await mrrs(s.org.apiKey)).toEqual([usd("2025-05-01", 1299)]);
  });
});

describe("mrr: spread plans", () => {
  it("spreads a quarterly fee paid in advance forward from its issuing month", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2025-01-01" });
    // 89 days 23:59:59 = 129,599 minutes: b = 2.9566, n = 3, A / b = 101.467; last 300 - 202.935 = 97.065
    await s.subscriptionFee(invoice, advance(QUARTERLY), { amountCents: 300, from: "2025-01-01T00:00:00Z", to: "2025-03-31T23:59:59Z" });
    expect(await mrrs(s.org.apiKey)).toEqual([usd("2025-01-01", 101), usd("2025-02-01", 101), usd("2025-03-01", 97)]);
  });

  it("spreads a quarterly fee paid in arrears backward, starting in its issuing month", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2025-04-01" });
    await s.subscriptionFee(invoice, arrears(QUARTERLY), { amountCents: 300, from: "2025-01-01T00:00:00Z", to: "2025-03-31T23:59:59Z" });
    expect(await mrrs(s.org.apiKey)).toEqual([usd("2025-02-01", 97), usd("2025-03-01", 101), usd("2025-04-01", 101)]);
  });

  it("rounds each month's sum once, not each share", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2025-01-01" });
    const quarter = { from: "2025-01-01T00:00:00Z", to: "2025-03-31T23:59:59Z" };
    await s.subscriptionFee(invoice, advance(QUARTERLY), { amountCents: 300, ...quarter });
    await s.subscriptionFee(invoice, advance(QUARTERLY), { amountCents: 300, ...quarter });
    // 2 × 101.467 = 202.935 -> 203 (each rounded first: 202); 2 × 97.065 = 194.13 -> 194
    expect(await mrrs(s.org.apiKey)).toEqual([usd("2025-01-01", 203), usd("2025-02-01", 203), usd("2025-03-01", 194)]);
  });

  it("gives a whole number of billed months starting mid-month: the first month's part, the rest to the last share", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2025-01-15" });
    // 152 days 4:48 = 219,168 minutes: b = 5 exactly, A / b = 200. Jan: 200 × 17/31 days = 109.68;
    // Feb-Apr 200; May 1000 - 109.68 - 600 = 290.32. The shares add up to exactly 1000.
    await s.subscriptionFee(invoice, advance(SEMIANNUAL), { amountCents: 1000, from: "2025-01-15T00:00:00Z", to: "2025-06-16T04:48:00Z" });
    expect(await mrrs(s.org.apiKey)).toEqual([
      usd("2025-01-01", 110), usd("2025-02-01", 200), usd("2025-03-01", 200), usd("2025-04-01", 200), usd("2025-05-01", 290),
    ]);
  });

  it("puts a small last share in a fourth month for a 92-day quarter (30.44-day months)", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2025-07-01" });
    // 92 days: b = 3.0223, n = 4, A / b = 330.87; last 1000 - 992.61 = 7.39
    await s.subscriptionFee(invoice, advance(QUARTERLY), { amountCents: 1000, from: "2025-07-01T00:00:00Z", to: "2025-10-01T00:00:00Z" });
    expect(await mrrs(s.org.apiKey)).toEqual([usd("2025-07-01", 331), usd("2025-08-01", 331), usd("2025-09-01", 331), usd("2025-10-01", 7)]);
  });

  it("spreads a semiannual fee paid in advance like the others (Lago's formula counts it about twice)", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2026-01-01" });
    // 180 days 23:59:59: b = 5.946, n = 6, A / b = 100.906 five times; last 600 - 504.53 = 95.47
    await s.subscriptionFee(invoice, advance(SEMIANNUAL), { amountCents: 600, from: "2026-01-01T00:00:00Z", to: "2026-06-30T23:59:59Z" });
    expect(await mrrs(s.org.apiKey)).toEqual([
      usd("2026-01-01", 101), usd("2026-02-01", 101), usd("2026-03-01", 101), usd("2026-04-01", 101), usd("2026-05-01", 101), usd("2026-06-01", 95),
    ]);
  });

  it("spreads a semiannual fee paid in arrears backward over six months, the remainder in the oldest", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2025-07-01" });
    // 180 days 23:59:59: b = 5.946, n = 6, A / b = 201.813 in July back to March; February 1200 - 5 × 201.813 = 190.94
    await s.subscriptionFee(invoice, arrears(SEMIANNUAL), { amountCents: 1200, from: "2025-01-01T00:00:00Z", to: "2025-06-30T23:59:59Z" });
    expect(await mrrs(s.org.apiKey)).toEqual([
      usd("2025-02-01", 191), usd("2025-03-01", 202), usd("2025-04-01", 202), usd("2025-05-01", 202), usd("2025-06-01", 202), usd("2025-07-01", 202),
    ]);
  });

  it("treats weekly plans alike whether paid in advance or in arrears: the month's total per invoice × 4.33", async () => {
    const s = await createRevenueScenario();
    const first = await s.invoice({ issuingDate: "2025-08-04" });
    const second = await s.invoice({ issuingDate: "2025-08-25" });
    await s.subscriptionFee(first, advance(WEEKLY), { amountCents: 700 });
    await s.subscriptionFee(second, arrears(WEEKLY), { amountCents: 500, taxesAmountCents: 100 });
    // (700 + 600) / 2 invoices × 4.33 = 2814.5 -> 2815
    expect(await mrrs(s.org.apiKey)).toEqual([usd("2025-08-01", 2815)]);
  });

  it("puts a fee whose period is under one billed month wholly in its issuing month", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2025-02-01" });
    // 27 days 23:59:59: b = 0.92, n = 1: the single share is A
    await s.subscriptionFee(invoice, advance(YEARLY), { amountCents: 500, from: "2025-02-01T00:00:00Z", to: "2025-02-28T23:59:59Z" });
    const arrearsInvoice = await s.invoice({ issuingDate: "2025-03-01" });
    await s.subscriptionFee(arrearsInvoice, arrears(YEARLY), { amountCents: 70, from: "2025-02-01T00:00:00Z", to: "2025-02-28T23:59:59Z" });
    expect(await mrrs(s.org.apiKey)).toEqual([usd("2025-02-01", 500), usd("2025-03-01", 70)]);
  });
});

describe("mrr: what does not count", () => {
  it("leaves out other fee types, deleted fees, uncounted invoices and plans or periods it cannot read", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2025-03-10" });
    await s.subscriptionFee(invoice, advance(MONTHLY), { amountCents: 1 });
    await s.subscriptionFee(invoice, advance(MONTHLY), { amountCents: 1000, feeType: 0 });
    await s.subscriptionFee(invoice, advance(MONTHLY), { amountCents: 1000, deletedAt: "2025-03-11 00:00:00" });
    await s.subscriptionFee(invoice, { interval: null, payInAdvance: true }, { amountCents: 1000 });
    await s.subscriptionFee(invoice, { interval: 7, payInAdvance: true }, { amountCents: 1000 });
    const quarter = { from: "2025-03-01T00:00:00Z", to: "2025-05-31T23:59:59Z" };
    await s.subscriptionFee(invoice, { interval: QUARTERLY, payInAdvance: null }, { amountCents: 1000, ...quarter });
    await s.subscriptionFee(invoice, advance(QUARTERLY), { amountCents: 1000, from: "garbage", to: "2025-05-31T23:59:59Z" });
    await s.subscriptionFee(invoice, advance(QUARTERLY), { amountCents: 1000, from: "2025-03-01T00:00:00Z", to: "2025-02-30T00:00:00Z" });
    await s.subscriptionFee(invoice, advance(QUARTERLY), { amountCents: 1000, properties: {} });
    await s.subscriptionFee(invoice, advance(QUARTERLY), { amountCents: 1000, from: "2025-05-31T00:00:00Z", to: "2025-03-01T00:00:00Z" });
    await s.subscriptionFee(invoice, advance(QUARTERLY), { amountCents: 1000, from: "2025-03-01T00:00:00Z", to: "2025-03-01T00:00:30Z" });
    for (const other of [{ status: 0 }, { status: 2 }, { selfBilled: true }, { paymentDisputeLostAt: "2025-03-12 00:00:00" }, { currency: null }]) {
      await s.subscriptionFee(await s.invoice({ issuingDate: "2025-03-10", ...other }), advance(MONTHLY), { amountCents: 1000 });
    }
    expect(await mrrs(s.org.apiKey)).toEqual([usd("2025-03-01", 1)]);
  });
});

describe("mrr: rows, filters and window", () => {
  it("gives each currency its own row, sorted by month then currency", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2025-03-10" });
    await s.subscriptionFee(invoice, advance(MONTHLY), { amountCents: 10, currency: "USD" });
    await s.subscriptionFee(invoice, advance(MONTHLY), { amountCents: 20, currency: "EUR" });
    await s.subscriptionFee(await s.invoice({ issuingDate: "2025-02-10" }), advance(MONTHLY), { amountCents: 30, currency: "USD" });
    const all = await mrrs(s.org.apiKey, "?months=1200");
    const rows = (all as { currency: string | null }[]).filter((r) => r.currency !== null);
    expect(rows).toEqual([
      usd("2025-02-01", 30),
      { month: "2025-03-01T00:00:00.000Z", amount_cents: 20, currency: "EUR" },
      usd("2025-03-01", 10),
    ]);
    expect(await mrrs(s.org.apiKey, "?currency=eur")).toEqual([{ month: "2025-03-01T00:00:00.000Z", amount_cents: 20, currency: "EUR" }]);
  });

  it("without currency, fills every window month without revenue with a placeholder; with currency, leaves it out", async () => {
    const s = await createRevenueScenario({ orgCreatedAt: `${monthStart(-2)} 08:00:00` });
    await s.subscriptionFee(await s.invoice({ issuingDate: monthStart(-1) }), advance(MONTHLY), { amountCents: 500 });
    const placeholder = (offset: number) => ({ month: monthKey(offset), amount_cents: null, currency: null });
    expect(await mrrs(s.org.apiKey, "")).toEqual([placeholder(-2), { month: monthKey(-1), amount_cents: 500, currency: "USD" }, placeholder(0)]);
    expect(await mrrs(s.org.apiKey, "?months=1")).toEqual([placeholder(0)]);
    expect(await mrrs(s.org.apiKey, "?currency=USD")).toEqual([{ month: monthKey(-1), amount_cents: 500, currency: "USD" }]);
  });

  it("counts shares of a fee issued before the window in the window's months, and none after the current month", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: monthStart(-1) });
    // 89 days 23:59:59 from the 1st of last month: 101.467 last month, 101.467 this month, 97.065 next month
    const from = new Date(`${monthStart(-1)}T00:00:00Z`);
    const to = new Date(from.getTime() + (90 * 86_400 - 1) * 1000);
    await s.subscriptionFee(invoice, advance(QUARTERLY), { amountCents: 300, from: from.toISOString(), to: to.toISOString() });
    expect(await mrrs(s.org.apiKey, "?currency=USD&months=1")).toEqual([{ month: monthKey(0), amount_cents: 101, currency: "USD" }]);
    expect(await mrrs(s.org.apiKey, "?currency=USD&months=2")).toEqual([
      { month: monthKey(-1), amount_cents: 101, currency: "USD" },
      { month: monthKey(0), amount_cents: 101, currency: "USD" },
    ]);
  });

  it("billing_entity_code keeps that entity's invoices; external_customer_id is not a parameter of mrr (ignored)", async () => {
    const s = await createRevenueScenario();
    const other = await createBillingEntity(s.org.id, { code: "other" });
    await s.subscriptionFee(await s.invoice({ issuingDate: "2025-03-10" }), advance(MONTHLY), { amountCents: 10 });
    await s.subscriptionFee(await s.invoice({ issuingDate: "2025-03-10", billingEntityId: other }), advance(MONTHLY), { amountCents: 20 });
    expect(await mrrs(s.org.apiKey, "?currency=USD&billing_entity_code=other")).toEqual([usd("2025-03-01", 20)]);
    expect(await mrrs(s.org.apiKey, "?currency=USD&external_customer_id=nobody&external_customer_id=twice")).toEqual([usd("2025-03-01", 30)]);
  });
});
