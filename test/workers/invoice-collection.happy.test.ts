import { describe, expect, it } from "vitest";
import { createBillingEntity } from "./helpers/factories.ts";
import { monthKey, monthStart } from "./helpers/months.ts";
import { getJson } from "./helpers/request.ts";
import { createRevenueScenario } from "./helpers/revenue-factories.ts";

const PATH = "/api/v1/analytics/invoice_collection";
const [PENDING, SUCCEEDED, FAILED] = [0, 1, 2];

async function collections(apiKey: string, query = "") {
  const { status, body } = await getJson(`${PATH}${query}`, { apiKey });
  expect(status).toBe(200);
  return body.invoice_collections;
}

const row = (month: string, payment_status: string, invoices_count: number, amount_cents: number, currency: string) => ({
  month: `${month}T00:00:00.000Z`, payment_status, invoices_count, amount_cents, currency,
});

describe("invoice_collection", () => {
  it("counts and sums finalized invoices per issuing month, payment status and currency, sorted by status then currency", async () => {
    const s = await createRevenueScenario({ orgCreatedAt: "2025-03-01 00:00:00" });
    await s.invoice({ issuingDate: "2025-03-01", totalAmountCents: 100, paymentStatus: PENDING });
    await s.invoice({ issuingDate: "2025-03-31", totalAmountCents: 200, paymentStatus: PENDING });
    await s.invoice({ issuingDate: "2025-03-15", totalAmountCents: 50, paymentStatus: SUCCEEDED });
    await s.invoice({ issuingDate: "2025-03-15", totalAmountCents: 70, paymentStatus: FAILED, currency: "EUR" });
    await s.invoice({ issuingDate: "2025-03-15", totalAmountCents: 80, paymentStatus: PENDING, currency: "EUR" });
    await s.invoice({ issuingDate: "2025-04-01", totalAmountCents: 9, paymentStatus: SUCCEEDED });
    const rows = (await collections(s.org.apiKey, "?currency=USD")) as unknown[];
    expect(rows).toEqual([row("2025-03-01", "pending", 2, 300, "USD"), row("2025-03-01", "succeeded", 1, 50, "USD"), row("2025-04-01", "succeeded", 1, 9, "USD")]);
    const all = (await collections(s.org.apiKey)) as { month: string }[];
    expect(all.filter((r) => r.month < "2025-05")).toEqual([
      row("2025-03-01", "failed", 1, 70, "EUR"),
      row("2025-03-01", "pending", 1, 80, "EUR"),
      row("2025-03-01", "pending", 2, 300, "USD"),
      row("2025-03-01", "succeeded", 1, 50, "USD"),
      row("2025-04-01", "succeeded", 1, 9, "USD"),
    ]);
  });

  it("leaves out invoices that are not finalized, self-billed, lost in dispute, undated, without currency or of another payment status", async () => {
    const s = await createRevenueScenario();
    await s.invoice({ totalAmountCents: 1 });
    for (const status of [0, 2, 3, 4, 5, 6, 7, 8]) await s.invoice({ totalAmountCents: 1000, status });
    await s.invoice({ totalAmountCents: 1000, selfBilled: true });
    await s.invoice({ totalAmountCents: 1000, paymentDisputeLostAt: "2025-03-15 00:00:00" });
    await s.invoice({ totalAmountCents: 1000, issuingDate: null });
    await s.invoice({ totalAmountCents: 1000, currency: null });
    await s.invoice({ totalAmountCents: 1000, paymentStatus: 3 });
    expect(await collections(s.org.apiKey, "?currency=USD")).toEqual([row("2025-03-01", "pending", 1, 1, "USD")]);
  });

  it("without currency, gives each window month without an invoice one placeholder row; with currency, none", async () => {
    const s = await createRevenueScenario({ orgCreatedAt: `${monthStart(-2)} 08:00:00` });
    await s.invoice({ issuingDate: monthStart(-1), totalAmountCents: 500, paymentStatus: SUCCEEDED });
    const placeholder = (offset: number) => ({ month: monthKey(offset), payment_status: null, invoices_count: 0, amount_cents: 0, currency: null });
    const last = { month: monthKey(-1), payment_status: "succeeded", invoices_count: 1, amount_cents: 500, currency: "USD" };
    expect(await collections(s.org.apiKey)).toEqual([placeholder(-2), last, placeholder(0)]);
    expect(await collections(s.org.apiKey, "?months=2")).toEqual([last, placeholder(0)]);
    expect(await collections(s.org.apiKey, "?currency=USD")).toEqual([last]);
    expect(await collections(s.org.apiKey, "?currency=EUR")).toEqual([]);
  });

  it("billing_entity_code keeps that entity's invoices; external_customer_id is not a parameter here (ignored)", async () => {
    const s = await createRevenueScenario();
    const other = await createBillingEntity(s.org.id, { code: "other" });
    await s.invoice({ totalAmountCents: 10 });
    await s.invoice({ totalAmountCents: 20, billingEntityId: other });
    expect(await collections(s.org.apiKey, "?currency=USD&billing_entity_code=other")).toEqual([row("2025-03-01", "pending", 1, 20, "USD")]);
    expect(await collections(s.org.apiKey, "?currency=USD&external_customer_id=nobody")).toEqual([row("2025-03-01", "pending", 2, 30, "USD")]);
  });
});
