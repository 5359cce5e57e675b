import { describe, expect, it } from "vitest";
import { createBillingScenario, createInvoice } from "./helpers/factories.ts";
import { getJson } from "./helpers/request.ts";

// Each test puts one counted fee of 1000 and one fee that must not count (5000) in the same month:
// the answer is 1000 only if the rule holds, 6000 if it is broken.
const COUNTED_ONLY = [{ month: "2025-03-01T00:00:00.000Z", code: "api_calls", currency: "USD", amount_cents: 1000 }];

async function expectOnlyTheCountedFee(apiKey: string) {
  const { status, body } = await getJson("/api/v1/analytics/invoiced_usage", { apiKey });
  expect(status).toBe(200);
  expect(body.invoiced_usages).toEqual(COUNTED_ONLY);
}

async function scenarioWithOneCountedFee() {
  const s = await createBillingScenario();
  await s.fee(1000, "2025-03-10 08:00:00");
  return s;
}

describe("invoiced_usage: fees that do not count", () => {
  it.each([
    ["draft", 0],
    ["voided", 2],
    ["generating", 3],
    ["failed", 4],
    ["open", 5],
    ["closed", 6],
    ["pending", 7],
  ])("a fee on a %s invoice (status %i)", async (_name, status) => {
    const s = await scenarioWithOneCountedFee();
    const invoiceId = await createInvoice(s.org.id, { billingEntityId: s.billingEntityId, status });
    await s.fee(5000, "2025-03-11 08:00:00", { invoiceId });
    await expectOnlyTheCountedFee(s.org.apiKey);
  });

  it("a fee on a self-billed invoice", async () => {
    const s = await scenarioWithOneCountedFee();
    const invoiceId = await createInvoice(s.org.id, { billingEntityId: s.billingEntityId, selfBilled: true });
    await s.fee(5000, "2025-03-11 08:00:00", { invoiceId });
    await expectOnlyTheCountedFee(s.org.apiKey);
  });

  it("a fee on an invoice whose payment dispute was lost", async () => {
    const s = await scenarioWithOneCountedFee();
    const invoiceId = await createInvoice(s.org.id, {
      billingEntityId: s.billingEntityId,
      paymentDisputeLostAt: "2025-04-01 00:00:00",
    });
    await s.fee(5000, "2025-03-11 08:00:00", { invoiceId });
    await expectOnlyTheCountedFee(s.org.apiKey);
  });

  it("a deleted fee", async () => {
    const s = await scenarioWithOneCountedFee();
    await s.fee(5000, "2025-03-11 08:00:00", { deletedAt: "2025-03-12 00:00:00" });
    await expectOnlyTheCountedFee(s.org.apiKey);
  });

  it.each([
    ["add_on", 1, "AddOn"],
    ["subscription", 2, "Subscription"],
    ["credit", 3, "WalletTransaction"],
    ["commitment", 4, "Commitment"],
    ["fixed_charge", 5, "FixedCharge"],
  ])("a %s fee (fee_type %i)", async (_name, feeType, invoiceableType) => {
    const s = await scenarioWithOneCountedFee();
    await s.fee(5000, "2025-03-11 08:00:00", { feeType, invoiceableType });
    await expectOnlyTheCountedFee(s.org.apiKey);
  });

  it("a charge-type fee whose invoiceable is not a Charge", async () => {
    const s = await scenarioWithOneCountedFee();
    await s.fee(5000, "2025-03-11 08:00:00", { feeType: 0, invoiceableType: "FixedCharge" });
    await expectOnlyTheCountedFee(s.org.apiKey);
  });

  it("a fee not on any invoice yet", async () => {
    const s = await scenarioWithOneCountedFee();
    await s.fee(5000, "2025-03-11 08:00:00", { invoiceId: null });
    await expectOnlyTheCountedFee(s.org.apiKey);
  });
});
