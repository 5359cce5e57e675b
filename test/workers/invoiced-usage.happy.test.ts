import { describe, expect, it } from "vitest";
import {
  createBillingEntity,
  createBillingScenario,
  createCharge,
  createInvoice,
  createMetric,
} from "./helpers/factories.ts";
import { monthKey, monthStart } from "./helpers/months.ts";
import { getJson } from "./helpers/request.ts";

const PATH = "/api/v1/analytics/invoiced_usage";

async function invoicedUsages(apiKey: string, query = "") {
  const { status, body } = await getJson(`${PATH}${query}`, { apiKey });
  expect(status).toBe(200);
  return body.invoiced_usages;
}

describe("invoiced_usage: what counts", () => {
  it("sums finalized charge fees per month, newest month first", async () => {
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    await s.fee(2500, "2025-03-20 18:30:00");
    await s.fee(700, "2025-04-02 00:00:00");
    expect(await invoicedUsages(s.org.apiKey)).toEqual([
      { month: "2025-04-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 700 },
      { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 3500 },
    ]);
  });

  it("returns an empty list when nothing was invoiced", async () => {
    const s = await createBillingScenario();
    expect(await invoicedUsages(s.org.apiKey)).toEqual([]);
  });

  it("subtracts fractional coupons exactly and rounds once per row", async () => {
    const s = await createBillingScenario();
    // Each fee alone would round to 1000; the exact sum 3000 - 1.00000 is 2999.
    await s.fee(1000, "2025-05-01 10:00:00", { preciseCouponsAmountCents: "0.33333" });
    await s.fee(1000, "2025-05-02 10:00:00", { preciseCouponsAmountCents: "0.33333" });
    await s.fee(1000, "2025-05-03 10:00:00", { preciseCouponsAmountCents: "0.33334" });
    expect(await invoicedUsages(s.org.apiKey)).toEqual([
      { month: "2025-05-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 2999 },
    ]);
  });

  it("rounds half away from zero, for positive and negative sums", async () => {
    const s = await createBillingScenario();
    await s.fee(1001, "2025-06-10 10:00:00", { preciseCouponsAmountCents: "0.50000" }); // 1000.5 -> 1001
    await s.fee(0, "2025-07-10 10:00:00", { preciseCouponsAmountCents: "2.50000" }); // -2.5 -> -3
    expect(await invoicedUsages(s.org.apiKey)).toEqual([
      { month: "2025-07-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: -3 },
      { month: "2025-06-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 1001 },
    ]);
  });

  it("puts the last microsecond of a month in that month and midnight of the 1st in the next (UTC)", async () => {
    const s = await createBillingScenario();
    await s.fee(100, "2025-01-31 23:59:59.999999");
    await s.fee(200, "2025-02-01 00:00:00");
    expect(await invoicedUsages(s.org.apiKey)).toEqual([
      { month: "2025-02-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 200 },
      { month: "2025-01-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 100 },
    ]);
  });

  it("keeps revenue of deleted metrics and deleted charges under the metric's code", async () => {
    const s = await createBillingScenario();
    const oldMetric = await createMetric(s.org.id, { code: "legacy_seats", deletedAt: "2025-09-01 00:00:00" });
    const oldCharge = await createCharge(s.org.id, oldMetric, { deletedAt: "2025-09-01 00:00:00" });
    await s.fee(400, "2025-08-15 12:00:00", { chargeId: oldCharge });
    expect(await invoicedUsages(s.org.apiKey)).toEqual([
      { month: "2025-08-01T00:00:00.000Z", code: "legacy_seats", currency: "USD", amount_cents: 400 },
    ]);
  });
});

describe("invoiced_usage: currencies", () => {
  it("gives each currency its own rows and never converts", async () => {
    const s = await createBillingScenario();
    const eurInvoice = await createInvoice(s.org.id, { billingEntityId: s.billingEntityId, currency: "EUR" });
    await s.fee(1000, "2025-03-10 08:00:00");
    await s.fee(300, "2025-03-11 08:00:00", { invoiceId: eurInvoice, currency: "EUR" });
    expect(await invoicedUsages(s.org.apiKey)).toEqual([
      { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 1000 },
      { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "EUR", amount_cents: 300 },
    ]);
  });

  it("filters on a currency given in any case", async () => {
    const s = await createBillingScenario();
    const eurInvoice = await createInvoice(s.org.id, { billingEntityId: s.billingEntityId, currency: "EUR" });
    await s.fee(1000, "2025-03-10 08:00:00");
    await s.fee(300, "2025-03-11 08:00:00", { invoiceId: eurInvoice, currency: "EUR" });
    const expected = [{ month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "EUR", amount_cents: 300 }];
    expect(await invoicedUsages(s.org.apiKey, "?currency=eur")).toEqual(expected);
    expect(await invoicedUsages(s.org.apiKey, "?currency=EuR")).toEqual(expected);
  });
});

describe("invoiced_usage: the months window", () => {
  async function scenarioOverThreeMonths() {
    const s = await createBillingScenario();
    await s.fee(100, `${monthStart(0)} 00:00:00`);
    await s.fee(200, `${monthStart(-1)} 12:00:00`);
    await s.fee(400, `${monthStart(-2)} 12:00:00`);
    return s;
  }
  const row = (offset: number, amount: number) => ({
    month: monthKey(offset),
    code: "api_calls",
    currency: "USD",
    amount_cents: amount,
  });

  it("months=1 is the current month only", async () => {
    const s = await scenarioOverThreeMonths();
    expect(await invoicedUsages(s.org.apiKey, "?months=1")).toEqual([row(0, 100)]);
  });

  it("months=2 is the current month and the one before", async () => {
    const s = await scenarioOverThreeMonths();
    expect(await invoicedUsages(s.org.apiKey, "?months=2")).toEqual([row(0, 100), row(-1, 200)]);
  });

  it("without months, every month since the organization's creation month", async () => {
    const s = await scenarioOverThreeMonths();
    expect(await invoicedUsages(s.org.apiKey)).toEqual([row(0, 100), row(-1, 200), row(-2, 400)]);
  });

  it("without months, starts at the first instant of the creation month", async () => {
    const s = await createBillingScenario({ orgCreatedAt: "2024-06-15 10:00:00" });
    await s.fee(50, "2024-05-31 23:59:59.999999");
    await s.fee(60, "2024-06-01 00:00:00");
    expect(await invoicedUsages(s.org.apiKey)).toEqual([
      { month: "2024-06-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 60 },
    ]);
  });

  it("never counts fees dated after the current month", async () => {
    const s = await createBillingScenario();
    await s.fee(100, `${monthStart(0)} 00:00:00`);
    await s.fee(900, `${monthStart(1)} 00:00:00`);
    expect(await invoicedUsages(s.org.apiKey)).toEqual([row(0, 100)]);
  });
});

describe("invoiced_usage: billing_entity_code", () => {
  it("counts only invoices of that billing entity", async () => {
    const s = await createBillingScenario();
    const euEntity = await createBillingEntity(s.org.id, { code: "eu" });
    const euInvoice = await createInvoice(s.org.id, { billingEntityId: euEntity });
    await s.fee(1000, "2025-03-10 08:00:00");
    await s.fee(250, "2025-03-12 08:00:00", { invoiceId: euInvoice, billingEntityId: euEntity });
    expect(await invoicedUsages(s.org.apiKey, "?billing_entity_code=eu")).toEqual([
      { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 250 },
    ]);
    expect(await invoicedUsages(s.org.apiKey, "?billing_entity_code=main")).toEqual([
      { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 1000 },
    ]);
  });

  it("still finds an archived billing entity", async () => {
    const s = await createBillingScenario();
    const old = await createBillingEntity(s.org.id, { code: "old", archivedAt: "2025-06-01 00:00:00" });
    const oldInvoice = await createInvoice(s.org.id, { billingEntityId: old });
    await s.fee(80, "2025-03-12 08:00:00", { invoiceId: oldInvoice, billingEntityId: old });
    expect(await invoicedUsages(s.org.apiKey, "?billing_entity_code=old")).toEqual([
      { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 80 },
    ]);
  });
});

describe("invoiced_usage: order", () => {
  it("orders by month desc, amount desc, then code and currency ascending", async () => {
    const s = await createBillingScenario({ code: "b_metric" });
    const eurInvoice = await createInvoice(s.org.id, { billingEntityId: s.billingEntityId, currency: "EUR" });
    const aCharge = await createCharge(s.org.id, await createMetric(s.org.id, { code: "a_metric" }));
    const cCharge = await createCharge(s.org.id, await createMetric(s.org.id, { code: "c_metric" }));
    await s.fee(500, "2025-03-05 00:00:00"); // b_metric USD
    await s.fee(500, "2025-03-06 00:00:00", { chargeId: aCharge }); // a_metric USD
    await s.fee(500, "2025-03-07 00:00:00", { chargeId: aCharge, invoiceId: eurInvoice, currency: "EUR" });
    await s.fee(900, "2025-03-08 00:00:00", { chargeId: cCharge }); // c_metric USD
    await s.fee(5, "2025-04-01 00:00:00", { chargeId: aCharge }); // a later, smaller month still comes first
    const rows = (await invoicedUsages(s.org.apiKey)) as { month: string; code: string; currency: string }[];
    expect(rows.map((r) => `${r.month.slice(0, 7)} ${r.code} ${r.currency}`)).toEqual([
      "2025-04 a_metric USD",
      "2025-03 c_metric USD",
      "2025-03 a_metric EUR",
      "2025-03 a_metric USD",
      "2025-03 b_metric USD",
    ]);
  });
});

describe("invoiced_usage: HTTP", () => {
  it("ignores unknown query parameters", async () => {
    const s = await createBillingScenario();
    await s.fee(10, "2025-03-10 08:00:00");
    expect(await invoicedUsages(s.org.apiKey, "?foo=bar&page=2")).toEqual([
      { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 10 },
    ]);
  });
});
