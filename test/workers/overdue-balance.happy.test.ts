import { describe, expect, it } from "vitest";
import { createBillingEntity } from "./helpers/factories.ts";
import { monthKey, monthStart } from "./helpers/months.ts";
import { getJson } from "./helpers/request.ts";
import { type InvoiceOptions } from "./helpers/factories.ts";
import { createRevenueCustomer, createRevenueScenario } from "./helpers/revenue-factories.ts";

const PATH = "/api/v1/analytics/overdue_balance";
const overdue: InvoiceOptions = { paymentOverdue: true, paymentDueDate: "2025-04-10", totalAmountCents: 1000, paymentStatus: 0 };

async function balances(apiKey: string, query = "") {
  const { status, body } = await getJson(`${PATH}${query}`, { apiKey });
  expect(status).toBe(200);
  return body.overdue_balances;
}

describe("overdue_balance", () => {
  it("sums what overdue invoices still owe per due month: total less payments and finalized offsets", async () => {
    const s = await createRevenueScenario();
    // Lago's own cases: 1000 - a 300 offset; 1000 - 400 paid; a draft credit note ignored.
    const offset = await s.invoice(overdue);
    await s.creditNote(offset, { status: 1, offsetAmountCents: 300 });
    await s.creditNote(offset, { status: 0, offsetAmountCents: 200 });
    await s.creditNote(offset, { status: 2, offsetAmountCents: 100 });
    await s.creditNote(offset, { status: 1, refundAmountCents: 50 }); // a refund is not an offset
    const paid = await s.invoice({ ...overdue, totalPaidAmountCents: 400, paymentStatus: 2 });
    const may = await s.invoice({ ...overdue, paymentDueDate: "2025-05-01", totalAmountCents: 5 });
    const ids = [offset, paid].sort();
    expect(await balances(s.org.apiKey)).toEqual([
      { month: "2025-04-01T00:00:00.000Z", amount_cents: 1300, currency: "USD", lago_invoice_ids: ids, billing_entity_id: s.billingEntityId },
      { month: "2025-05-01T00:00:00.000Z", amount_cents: 5, currency: "USD", lago_invoice_ids: [may], billing_entity_id: s.billingEntityId },
    ]);
  });

  it("leaves out invoices not flagged overdue, paid, voided or disputed later, self-billed, undated or without currency", async () => {
    const s = await createRevenueScenario();
    const counted = await s.invoice(overdue);
    for (const other of [
      { paymentOverdue: false },
      { paymentOverdue: null },
      { paymentStatus: 1 },
      { status: 2 }, // voided after the flag was set
      { status: 0 },
      { status: 8 },
      { paymentDisputeLostAt: "2025-04-20 00:00:00" }, // lost a dispute after the flag was set
      { selfBilled: true },
      { paymentDueDate: null },
      { currency: null },
    ] as InvoiceOptions[]) {
      await s.invoice({ ...overdue, ...other });
    }
    expect(await balances(s.org.apiKey)).toEqual([
      { month: "2025-04-01T00:00:00.000Z", amount_cents: 1000, currency: "USD", lago_invoice_ids: [counted], billing_entity_id: s.billingEntityId },
    ]);
  });

  it("splits rows by currency and billing entity, sorted by month, currency, billing entity id", async () => {
    const s = await createRevenueScenario();
    const other = await createBillingEntity(s.org.id, { code: "other" });
    const a = await s.invoice({ ...overdue, currency: "USD" });
    const b = await s.invoice({ ...overdue, currency: "USD", billingEntityId: other, totalAmountCents: 7 });
    const c = await s.invoice({ ...overdue, currency: "EUR", totalAmountCents: 3 });
    const usd = [
      { month: "2025-04-01T00:00:00.000Z", amount_cents: 1000, currency: "USD", lago_invoice_ids: [a], billing_entity_id: s.billingEntityId },
      { month: "2025-04-01T00:00:00.000Z", amount_cents: 7, currency: "USD", lago_invoice_ids: [b], billing_entity_id: other },
    ].sort((x, y) => (x.billing_entity_id < y.billing_entity_id ? -1 : 1));
    expect(await balances(s.org.apiKey)).toEqual([
      { month: "2025-04-01T00:00:00.000Z", amount_cents: 3, currency: "EUR", lago_invoice_ids: [c], billing_entity_id: s.billingEntityId },
      ...usd,
    ]);
    expect(await balances(s.org.apiKey, "?currency=eur&billing_entity_code=main")).toEqual([
      { month: "2025-04-01T00:00:00.000Z", amount_cents: 3, currency: "EUR", lago_invoice_ids: [c], billing_entity_id: s.billingEntityId },
    ]);
  });

  it("external_customer_id keeps that live customer's invoices; an unknown one gives []", async () => {
    const s = await createRevenueScenario();
    const other = await createRevenueCustomer(s.org.id, s.billingEntityId, "cus_2");
    await s.invoice(overdue);
    const theirs = await s.invoice({ ...overdue, customerId: other, totalAmountCents: 42 });
    expect(await balances(s.org.apiKey, "?external_customer_id=cus_2")).toEqual([
      { month: "2025-04-01T00:00:00.000Z", amount_cents: 42, currency: "USD", lago_invoice_ids: [theirs], billing_entity_id: s.billingEntityId },
    ]);
    expect(await balances(s.org.apiKey, "?external_customer_id=cus_9")).toEqual([]);
  });

  it("months bounds the due month; a due date before the organization's creation month is outside every window", async () => {
    const s = await createRevenueScenario({ orgCreatedAt: `${monthStart(-1)} 08:00:00` });
    await s.invoice({ ...overdue, paymentDueDate: monthStart(-2) });
    const last = await s.invoice({ ...overdue, paymentDueDate: monthStart(-1) });
    const now = await s.invoice({ ...overdue, paymentDueDate: monthStart(0) });
    const row = (offset: number, id: string) => ({
      month: monthKey(offset), amount_cents: 1000, currency: "USD", lago_invoice_ids: [id], billing_entity_id: s.billingEntityId,
    });
    expect(await balances(s.org.apiKey)).toEqual([row(-1, last), row(0, now)]);
    expect(await balances(s.org.apiKey, "?months=1")).toEqual([row(0, now)]);
  });
});
