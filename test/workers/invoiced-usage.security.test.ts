import { describe, expect, it } from "vitest";
import { createBillingEntity, createBillingScenario, createFee, createInvoice } from "./helpers/factories.ts";
import { getJson } from "./helpers/request.ts";

const PATH = "/api/v1/analytics/invoiced_usage";

describe("invoiced_usage: organizations stay apart", () => {
  it("never counts another organization's fees, even with the same metric code", async () => {
    const mine = await createBillingScenario();
    const theirs = await createBillingScenario();
    await mine.fee(1000, "2025-03-10 08:00:00");
    await theirs.fee(7000, "2025-03-10 08:00:00");
    const { body } = await getJson(PATH, { apiKey: mine.org.apiKey });
    expect(body.invoiced_usages).toEqual([
      { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 1000 },
    ]);
  });

  it("never counts a fee filed under my organization but on another organization's invoice", async () => {
    const mine = await createBillingScenario();
    const theirs = await createBillingScenario();
    await mine.fee(1000, "2025-03-10 08:00:00");
    await createFee(mine.org.id, {
      invoiceId: theirs.invoiceId,
      chargeId: mine.chargeId,
      billingEntityId: mine.billingEntityId,
      amountCents: 5000,
      createdAt: "2025-03-11 08:00:00",
    });
    const { body } = await getJson(PATH, { apiKey: mine.org.apiKey });
    expect(body.invoiced_usages).toEqual([
      { month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 1000 },
    ]);
  });

  it("does not find another organization's billing entity code", async () => {
    const mine = await createBillingScenario();
    const theirs = await createBillingScenario();
    const entity = await createBillingEntity(theirs.org.id, { code: "theirs_only" });
    const invoiceId = await createInvoice(theirs.org.id, { billingEntityId: entity });
    await theirs.fee(7000, "2025-03-10 08:00:00", { invoiceId, billingEntityId: entity });
    const { status, body } = await getJson(`${PATH}?billing_entity_code=theirs_only`, { apiKey: mine.org.apiKey });
    expect(status).toBe(404);
    expect(body.code).toBe("billing_entity_not_found");
  });

  it("each key sees its own organization", async () => {
    const a = await createBillingScenario();
    const b = await createBillingScenario();
    await a.fee(111, "2025-03-10 08:00:00");
    await b.fee(222, "2025-03-10 08:00:00");
    const [ra, rb] = await Promise.all([getJson(PATH, { apiKey: a.org.apiKey }), getJson(PATH, { apiKey: b.org.apiKey })]);
    expect((ra.body.invoiced_usages as { amount_cents: number }[]).map((r) => r.amount_cents)).toEqual([111]);
    expect((rb.body.invoiced_usages as { amount_cents: number }[]).map((r) => r.amount_cents)).toEqual([222]);
  });
});

describe("invoiced_usage: hostile input", () => {
  it("SQL-looking parameter values are data, not SQL", async () => {
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    const code = encodeURIComponent("main' OR '1'='1");
    const { status, body } = await getJson(`${PATH}?billing_entity_code=${code}`, { apiKey: s.org.apiKey });
    expect(status).toBe(404);
    expect(body).toEqual({ status: 404, error: "Not Found", code: "billing_entity_not_found" });
  });
});
