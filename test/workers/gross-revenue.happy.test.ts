import { describe, expect, it } from "vitest";
import { createBillingEntity } from "./helpers/factories.ts";
import { monthKey, monthStart } from "./helpers/months.ts";
import { getJson } from "./helpers/request.ts";
import { createRevenueCustomer, createRevenueScenario } from "./helpers/revenue-factories.ts";

const PATH = "/api/v1/analytics/gross_revenue";

async function grossRevenues(apiKey: string, query = "") {
  const { status, body } = await getJson(`${PATH}${query}`, { apiKey });
  expect(status).toBe(200);
  return body.gross_revenues;
}

describe("gross_revenue: what counts", () => {
  it("sums finalized invoices per issuing month, less finalized credit notes' refunds, oldest month first", async () => {
    const s = await createRevenueScenario();
    const march = await s.invoice({ issuingDate: "2025-03-10", totalAmountCents: 1000 });
    await s.invoice({ issuingDate: "2025-03-31", totalAmountCents: 500 });
    await s.invoice({ issuingDate: "2025-04-01", totalAmountCents: 200 });
    // Lago's own example: 1000 + 500 - a 300 draft credit note. Only finalized ones count.
    await s.creditNote(march, { status: 0, refundAmountCents: 300 });
    await s.creditNote(march, { status: 2, refundAmountCents: 50 });
    await s.creditNote(march, { status: 1, refundAmountCents: 120 });
    // An offset is not a refund: it does not reduce gross revenue.
    await s.creditNote(march, { status: 1, offsetAmountCents: 75 });
    const be = s.billingEntityId;
    expect(await grossRevenues(s.org.apiKey)).toEqual([
      { month: "2025-03-01T00:00:00.000Z", amount_cents: 1380, currency: "USD", invoices_count: 2, billing_entity_id: be },
      { month: "2025-04-01T00:00:00.000Z", amount_cents: 200, currency: "USD", invoices_count: 1, billing_entity_id: be },
    ]);
  });

  it("leaves out draft, voided, deleted, self-billed, lost-dispute, undated and currency-less invoices", async () => {
    const s = await createRevenueScenario();
    await s.invoice({ totalAmountCents: 1 });
    for (const status of [0, 2, 3, 4, 5, 6, 7, 8]) await s.invoice({ totalAmountCents: 1000, status });
    await s.invoice({ totalAmountCents: 1000, selfBilled: true });
    await s.invoice({ totalAmountCents: 1000, paymentDisputeLostAt: "2025-03-15 00:00:00" });
    await s.invoice({ totalAmountCents: 1000, issuingDate: null });
    await s.invoice({ totalAmountCents: 1000, currency: null });
    expect(await grossRevenues(s.org.apiKey)).toEqual([
      { month: "2025-03-01T00:00:00.000Z", amount_cents: 1, currency: "USD", invoices_count: 1, billing_entity_id: s.billingEntityId },
    ]);
  });

  it("counts an invoice whatever its payment status, and a refund that takes a month below zero", async () => {
    const s = await createRevenueScenario();
    await s.invoice({ totalAmountCents: 100, paymentStatus: 1 });
    const refunded = await s.invoice({ totalAmountCents: 100, paymentStatus: 2 });
    await s.creditNote(refunded, { refundAmountCents: 350 });
    expect(await grossRevenues(s.org.apiKey)).toEqual([
      { month: "2025-03-01T00:00:00.000Z", amount_cents: -150, currency: "USD", invoices_count: 2, billing_entity_id: s.billingEntityId },
    ]);
  });

  it("adds pay-in-advance fees no invoice holds in their creation month, without counting them as invoices", async () => {
    const s = await createRevenueScenario();
    await s.invoice({ issuingDate: "2025-05-02", totalAmountCents: 1000 });
    await s.instantFee({ amountCents: 250, createdAt: "2025-05-31 23:59:59.999999" });
    await s.instantFee({ amountCents: 40, createdAt: "2025-06-01 00:00:00" });
    // Not counted: soft-deleted, not paid in advance, invoiced, or without a subscription.
    await s.instantFee({ amountCents: 7000, createdAt: "2025-05-10 00:00:00", deletedAt: "2025-05-11 00:00:00" });
    await s.instantFee({ amountCents: 7000, createdAt: "2025-05-10 00:00:00", payInAdvance: false });
    const invoiceId = await s.invoice({ issuingDate: "2025-05-20", totalAmountCents: 0, status: 0 });
    await s.instantFee({ amountCents: 7000, createdAt: "2025-05-10 00:00:00", invoiceId });
    await s.instantFee({ amountCents: 7000, createdAt: "2025-05-10 00:00:00", subscriptionId: null });
    const be = s.billingEntityId;
    expect(await grossRevenues(s.org.apiKey)).toEqual([
      { month: "2025-05-01T00:00:00.000Z", amount_cents: 1250, currency: "USD", invoices_count: 1, billing_entity_id: be },
      { month: "2025-06-01T00:00:00.000Z", amount_cents: 40, currency: "USD", invoices_count: 0, billing_entity_id: be },
    ]);
  });

  it("splits rows by currency and billing entity, sorted by month, currency, then billing entity id", async () => {
    const s = await createRevenueScenario();
    const other = await createBillingEntity(s.org.id, { code: "other" });
    await s.invoice({ totalAmountCents: 10, currency: "USD" });
    await s.invoice({ totalAmountCents: 20, currency: "EUR" });
    await s.invoice({ totalAmountCents: 30, currency: "USD", billingEntityId: other });
    await s.instantFee({ amountCents: 5, createdAt: "2025-03-02 00:00:00", currency: "EUR", billingEntityId: other });
    const [first, second] = [s.billingEntityId, other].sort();
    const usd = (id: string) => (id === s.billingEntityId ? 10 : 30);
    expect(await grossRevenues(s.org.apiKey)).toEqual([
      { month: "2025-03-01T00:00:00.000Z", amount_cents: first === s.billingEntityId ? 20 : 5, currency: "EUR", invoices_count: first === s.billingEntityId ? 1 : 0, billing_entity_id: first },
      { month: "2025-03-01T00:00:00.000Z", amount_cents: second === s.billingEntityId ? 20 : 5, currency: "EUR", invoices_count: second === s.billingEntityId ? 1 : 0, billing_entity_id: second },
      { month: "2025-03-01T00:00:00.000Z", amount_cents: usd(first as string), currency: "USD", invoices_count: 1, billing_entity_id: first },
      { month: "2025-03-01T00:00:00.000Z", amount_cents: usd(second as string), currency: "USD", invoices_count: 1, billing_entity_id: second },
    ]);
  });
});

describe("gross_revenue: filters and window", () => {
  it("currency keeps one currency, billing_entity_code one entity", async () => {
    const s = await createRevenueScenario();
    const other = await createBillingEntity(s.org.id, { code: "other" });
    await s.invoice({ totalAmountCents: 10, currency: "USD" });
    await s.invoice({ totalAmountCents: 20, currency: "EUR" });
    await s.invoice({ totalAmountCents: 30, currency: "USD", billingEntityId: other });
    expect(await grossRevenues(s.org.apiKey, "?currency=eur")).toEqual([
      { month: "2025-03-01T00:00:00.000Z", amount_cents: 20, currency: "EUR", invoices_count: 1, billing_entity_id: s.billingEntityId },
    ]);
    expect(await grossRevenues(s.org.apiKey, "?billing_entity_code=other")).toEqual([
      { month: "2025-03-01T00:00:00.000Z", amount_cents: 30, currency: "USD", invoices_count: 1, billing_entity_id: other },
    ]);
  });

  it("external_customer_id keeps that live customer's invoices and instant fees; an unknown one gives []", async () => {
    const s = await createRevenueScenario();
    const other = await createRevenueCustomer(s.org.id, s.billingEntityId, "cus_2");
    const gone = await createRevenueCustomer(s.org.id, s.billingEntityId, "cus_2", { deletedAt: "2025-01-20 00:00:00" });
    await s.invoice({ totalAmountCents: 10 });
    await s.invoice({ totalAmountCents: 20, customerId: other });
    await s.invoice({ totalAmountCents: 40, customerId: gone });
    const otherSubscription = await s.subscription({ interval: 1, payInAdvance: true }, other);
    await s.instantFee({ amountCents: 3, createdAt: "2025-03-05 00:00:00", subscriptionId: otherSubscription });
    await s.instantFee({ amountCents: 100, createdAt: "2025-03-05 00:00:00" });
    expect(await grossRevenues(s.org.apiKey, "?external_customer_id=cus_2")).toEqual([
      { month: "2025-03-01T00:00:00.000Z", amount_cents: 23, currency: "USD", invoices_count: 1, billing_entity_id: s.billingEntityId },
    ]);
    expect(await grossRevenues(s.org.apiKey, "?external_customer_id=nobody")).toEqual([]);
  });

  it("months counts the current UTC month and the ones before; nothing before the organization's creation month", async () => {
    const s = await createRevenueScenario({ orgCreatedAt: `${monthStart(-2)} 12:00:00` });
    await s.invoice({ issuingDate: monthStart(-3), totalAmountCents: 1 }); // before the organization
    await s.invoice({ issuingDate: monthStart(-2), totalAmountCents: 2 });
    await s.invoice({ issuingDate: monthStart(-1), totalAmountCents: 4 });
    await s.invoice({ issuingDate: monthStart(0), totalAmountCents: 8 });
    const row = (offset: number, amount: number) => ({
      month: monthKey(offset), amount_cents: amount, currency: "USD", invoices_count: 1, billing_entity_id: s.billingEntityId,
    });
    expect(await grossRevenues(s.org.apiKey)).toEqual([row(-2, 2), row(-1, 4), row(0, 8)]);
    expect(await grossRevenues(s.org.apiKey, "?months=2")).toEqual([row(-1, 4), row(0, 8)]);
    expect(await grossRevenues(s.org.apiKey, "?months=1")).toEqual([row(0, 8)]);
    expect(await grossRevenues(s.org.apiKey, "?months=12")).toEqual([row(-2, 2), row(-1, 4), row(0, 8)]);
  });
});
