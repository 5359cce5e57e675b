import { describe, expect, it } from "vitest";
import { monthKey, monthStart } from "./helpers/months.ts";
import { callWorker } from "./helpers/request.ts";
import { createRevenueScenario } from "./helpers/revenue-factories.ts";

// CSV of the four revenue endpoints: the JSON field names as header, a list as its items separated
// by single spaces, null as an empty cell.

async function csv(path: string, apiKey: string) {
  const response = await callWorker(path, { apiKey });
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
  return response.text();
}

describe("CSV of the revenue endpoints", () => {
  it("overdue_balance: invoice ids in one cell, separated by spaces", async () => {
    const s = await createRevenueScenario();
    const due = { paymentOverdue: true, paymentDueDate: "2025-04-10", totalAmountCents: 100 };
    const ids = [await s.invoice(due), await s.invoice(due)].sort();
    expect(await csv("/api/v1/analytics/overdue_balance?format=csv", s.org.apiKey)).toBe(
      "month,amount_cents,currency,lago_invoice_ids,billing_entity_id\r\n" +
        `2025-04-01T00:00:00.000Z,200,USD,${ids[0]} ${ids[1]},${s.billingEntityId}\r\n`,
    );
  });

  it("invoice_collection and mrr: a placeholder row's nulls are empty cells", async () => {
    const s = await createRevenueScenario({ orgCreatedAt: `${monthStart(0)} 00:00:00` });
    expect(await csv("/api/v1/analytics/invoice_collection?format=csv", s.org.apiKey)).toBe(
      `month,payment_status,invoices_count,amount_cents,currency\r\n${monthKey(0)},,0,0,\r\n`,
    );
    expect(await csv("/api/v1/analytics/mrr?format=csv", s.org.apiKey)).toBe(`month,amount_cents,currency\r\n${monthKey(0)},,\r\n`);
  });

  it("gross_revenue: a negative amount stays a number, not a neutralised formula", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ totalAmountCents: 10 });
    await s.creditNote(invoice, { refundAmountCents: 25 });
    expect(await csv("/api/v1/analytics/gross_revenue?format=csv", s.org.apiKey)).toBe(
      `month,amount_cents,currency,invoices_count,billing_entity_id\r\n2025-03-01T00:00:00.000Z,-15,USD,1,${s.billingEntityId}\r\n`,
    );
  });
});
