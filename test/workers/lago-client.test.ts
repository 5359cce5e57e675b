import { exports } from "cloudflare:workers";
import { Client, getLagoError } from "lago-javascript-client";
import { describe, expect, it } from "vitest";
import { createBillingScenario } from "./helpers/factories.ts";
import { createRevenueScenario } from "./helpers/revenue-factories.ts";
import { chargeUsage } from "../helpers/lago-usage.ts";
import { createUsageScenario } from "./helpers/usage-factories.ts";

// Lago's official JavaScript client (npm lago-javascript-client), unchanged, pointed at this Worker:
// its requests go through the Worker's own fetch handler instead of the network.
const worker = (exports as unknown as { default: Fetcher }).default;
const lago = (apiKey: string) =>
  Client(apiKey, {
    baseUrl: "https://analytics.test/api/v1",
    customFetch: ((input: RequestInfo | URL, init?: RequestInit) => worker.fetch(new Request(input, init))) as typeof fetch,
  });

/** The client throws the Response on a 4xx; getLagoError is how its users read the body. */
async function lagoError(call: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  const thrown = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(thrown).toBeInstanceOf(Response);
  return { status: (thrown as Response).status, body: await getLagoError(thrown) };
}

describe("lago-javascript-client against this service", () => {
  it("findAllInvoicedUsages: March 2025's USD revenue, 1000 + 2500 - a 250.5 coupon = 3249.5 -> 3250", async () => {
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-05 10:00:00");
    await s.fee(2500, "2025-03-20 10:00:00", { preciseCouponsAmountCents: "250.5" });
    await s.fee(700, "2025-03-21 10:00:00", { currency: "EUR" });
    const { data, status } = await lago(s.org.apiKey).analytics.findAllInvoicedUsages({ currency: "USD" });
    expect(status).toBe(200);
    expect(data.invoiced_usages).toEqual([{ month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 3250 }]);
  });

  it("findAllUsages: monthly, with a boolean filter as the client sends it", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1.5", 150)]);
    await s.usage("2025-03-12", [chargeUsage(s.metric, "2.25", 225)]);
    const { data } = await lago(s.org.apiKey).analytics.findAllUsages({
      time_granularity: "monthly",
      from_date: "2025-03-01",
      to_date: "2025-03-31",
      is_billable_metric_recurring: false,
    });
    expect(data.usages).toEqual([
      {
        organization_id: s.org.id,
        start_of_period_dt: "2025-03-01",
        end_of_period_dt: "2025-03-31",
        amount_currency: "USD",
        amount_cents: 375,
        billable_metric_code: "api_calls",
        units: "3.75",
        is_billable_metric_deleted: false,
      },
    ]);
    const recurringOnly = await lago(s.org.apiKey).analytics.findAllUsages({
      time_granularity: "monthly",
      from_date: "2025-03-01",
      to_date: "2025-03-31",
      is_billable_metric_recurring: true,
    });
    expect(recurringOnly.data.usages).toEqual([]);
  });

  it("findAllGrossRevenues: March's invoices 1000 + 500 less a 120 refund, with a customer filter", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2025-03-10", totalAmountCents: 1000 });
    await s.invoice({ issuingDate: "2025-03-20", totalAmountCents: 500 });
    await s.creditNote(invoice, { refundAmountCents: 120 });
    const { data, status } = await lago(s.org.apiKey).analytics.findAllGrossRevenues({ currency: "USD", external_customer_id: "cus_1" });
    expect(status).toBe(200);
    expect(data.gross_revenues).toEqual([
      { month: "2025-03-01T00:00:00.000Z", amount_cents: 1380, currency: "USD", invoices_count: 2, billing_entity_id: s.billingEntityId },
    ]);
  });

  it("findAllInvoiceCollections: one pending and one failed invoice", async () => {
    const s = await createRevenueScenario();
    await s.invoice({ issuingDate: "2025-03-10", totalAmountCents: 300, paymentStatus: 0 });
    await s.invoice({ issuingDate: "2025-03-11", totalAmountCents: 40, paymentStatus: 2 });
    const { data } = await lago(s.org.apiKey).analytics.findAllInvoiceCollections({ currency: "USD" });
    expect(data.invoice_collections).toEqual([
      { month: "2025-03-01T00:00:00.000Z", payment_status: "failed", invoices_count: 1, amount_cents: 40, currency: "USD" },
      { month: "2025-03-01T00:00:00.000Z", payment_status: "pending", invoices_count: 1, amount_cents: 300, currency: "USD" },
    ]);
  });

  it("findAllMrrs: a monthly subscription fee of 1000 with 200 of taxes", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ issuingDate: "2025-03-01" });
    await s.subscriptionFee(invoice, { interval: 1, payInAdvance: true }, { amountCents: 1000, taxesAmountCents: 200 });
    const { data } = await lago(s.org.apiKey).analytics.findAllMrrs({ currency: "USD" });
    expect(data.mrrs).toEqual([{ month: "2025-03-01T00:00:00.000Z", amount_cents: 1200, currency: "USD" }]);
  });

  it("findAllOverdueBalances: 1000 owed less 400 paid", async () => {
    const s = await createRevenueScenario();
    const invoice = await s.invoice({ paymentOverdue: true, paymentDueDate: "2025-04-10", totalAmountCents: 1000, totalPaidAmountCents: 400 });
    const { data } = await lago(s.org.apiKey).analytics.findAllOverdueBalances({ external_customer_id: "cus_1" });
    expect(data.overdue_balances).toEqual([
      { month: "2025-04-01T00:00:00.000Z", amount_cents: 600, currency: "USD", lago_invoice_ids: [invoice], billing_entity_id: s.billingEntityId },
    ]);
  });

  it("surfaces a 401 for an unknown key", async () => {
    const error = await lagoError(lago(crypto.randomUUID()).analytics.findAllInvoicedUsages());
    expect(error).toEqual({ status: 401, body: { status: 401, error: "Unauthorized" } });
  });

  it("surfaces a 404 for an unknown billing entity", async () => {
    const s = await createBillingScenario();
    // The client's types predate billing_entity_code; its query builder sends any key it is given.
    const query = { billing_entity_code: "nowhere" } as Parameters<ReturnType<typeof lago>["analytics"]["findAllInvoicedUsages"]>[0];
    const error = await lagoError(lago(s.org.apiKey).analytics.findAllInvoicedUsages(query));
    expect(error).toEqual({ status: 404, body: { status: 404, error: "Not Found", code: "billing_entity_not_found" } });
  });

  it("surfaces a 422 with the parameter and its reason", async () => {
    const s = await createUsageScenario();
    const error = await lagoError(lago(s.org.apiKey).analytics.findAllUsages({ from_date: "2025-02-30" }));
    expect(error).toEqual({
      status: 422,
      body: { status: 422, error: "Unprocessable Entity", code: "validation_errors", error_details: { from_date: ["invalid_date"] } },
    });
  });
});
