import { describe, expect, it } from "vitest";
import { chargeUsage } from "../helpers/lago-usage.ts";
import { createCustomer, createPlan, createSubscription, createUsageMetric, createUsageScenario } from "./helpers/usage-factories.ts";
import { MARCH_2025, row, usages } from "./helpers/usage-answers.ts";

// GET /api/v1/analytics/usage: each filter, alone and together, and is_billable_metric_deleted.
describe("usage: filters", () => {
  it("currency, in any case", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100), chargeUsage(s.metric, "2", 300, "EUR")]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&currency=eUr`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2", currency: "EUR" }),
    ]);
  });

  it("billable_metric_code", async () => {
    const s = await createUsageScenario();
    const seats = await createUsageMetric(s.org.id, { code: "seats" });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100), chargeUsage(seats, "2", 300)]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&billable_metric_code=seats`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2", code: "seats" }),
    ]);
  });

  it("external_subscription_id", async () => {
    const s = await createUsageScenario();
    const other = await createSubscription(s.org.id, { customerId: s.customerId, planId: s.planId, externalId: "sub_b" });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100)]);
    await s.usage("2025-03-10", [chargeUsage(s.metric, "2", 300)], other);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&external_subscription_id=sub_b`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2" }),
    ]);
  });

  /** A second customer with its own subscription on the scenario's plan, and one record each. */
  async function twoCustomers(mine: Parameters<typeof createUsageScenario>[0], theirs: Parameters<typeof createCustomer>[2]) {
    const s = await createUsageScenario(mine);
    const otherCustomer = await createCustomer(s.org.id, s.billingEntityId, theirs);
    const other = await createSubscription(s.org.id, { customerId: otherCustomer, planId: s.planId });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100)]);
    await s.usage("2025-03-10", [chargeUsage(s.metric, "2", 300)], other);
    return s;
  }
  const firstCustomerOnly = (orgId: string) => [row(orgId, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1" })];

  it("customer_type", async () => {
    const s = await twoCustomers({ customer: { customerType: "company" } }, { customerType: "individual" });
    expect(await usages(s.org.apiKey, `${MARCH_2025}&customer_type=company`)).toEqual(firstCustomerOnly(s.org.id));
  });

  it("customer_type leaves out customers without a type", async () => {
    const s = await twoCustomers({ customer: { customerType: "individual" } }, { customerType: null });
    expect(await usages(s.org.apiKey, `${MARCH_2025}&customer_type=individual`)).toEqual(firstCustomerOnly(s.org.id));
  });

  it("external_customer_id", async () => {
    const s = await twoCustomers({ customer: { externalId: "acme" } }, { externalId: "globex" });
    expect(await usages(s.org.apiKey, `${MARCH_2025}&external_customer_id=acme`)).toEqual(firstCustomerOnly(s.org.id));
  });

  it("customer_country, in any case on either side", async () => {
    const s = await twoCustomers({ customer: { country: "fr" } }, { country: "DE" });
    expect(await usages(s.org.apiKey, `${MARCH_2025}&customer_country=Fr`)).toEqual(firstCustomerOnly(s.org.id));
  });

  it("customer_country=NO (Norway), in any case: Lago's YAML quotes it, the code itself is plain", async () => {
    const s = await twoCustomers({ customer: { country: "NO" } }, { country: "DE" });
    expect(await usages(s.org.apiKey, `${MARCH_2025}&customer_country=NO`)).toEqual(firstCustomerOnly(s.org.id));
    expect(await usages(s.org.apiKey, `${MARCH_2025}&customer_country=no`)).toEqual(firstCustomerOnly(s.org.id));
  });

  it("currency=NOK (Norwegian krone) is accepted, in any case", async () => {
    const s = await createUsageScenario();
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100, "NOK")]);
    const expected = [row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1", currency: "NOK" })];
    expect(await usages(s.org.apiKey, `${MARCH_2025}&currency=NOK`)).toEqual(expected);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&currency=nok`)).toEqual(expected);
  });

  it("plan_code", async () => {
    const s = await createUsageScenario();
    const pro = await createPlan(s.org.id, { code: "pro" });
    const onPro = await createSubscription(s.org.id, { customerId: s.customerId, planId: pro });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100)]);
    await s.usage("2025-03-10", [chargeUsage(s.metric, "2", 300)], onPro);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&plan_code=pro`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2" }),
    ]);
  });

  it("is_billable_metric_recurring, true and false", async () => {
    const s = await createUsageScenario();
    const seats = await createUsageMetric(s.org.id, { code: "seats", recurring: true });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100), chargeUsage(seats, "2", 300)]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&is_billable_metric_recurring=true`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2", code: "seats" }),
    ]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&is_billable_metric_recurring=false`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1" }),
    ]);
  });

  // Lago's Python client sends True / False; 1 / 0 are the other common spellings.
  it.each([
    ["True", true], ["TRUE", true], ["true", true], ["1", true],
    ["False", false], ["FALSE", false], ["false", false], ["0", false],
  ])("is_billable_metric_recurring=%s means %s", async (spelling, recurring) => {
    const s = await createUsageScenario();
    const seats = await createUsageMetric(s.org.id, { code: "seats", recurring: true });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "1", 100), chargeUsage(seats, "2", 300)]);
    const expected = recurring
      ? row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 300, units: "2", code: "seats" })
      : row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1" });
    expect(await usages(s.org.apiKey, `${MARCH_2025}&is_billable_metric_recurring=${spelling}`)).toEqual([expected]);
  });

  it("is_billable_metric_recurring follows the record's metric id, not its code", async () => {
    const s = await createUsageScenario();
    const oldSeats = await createUsageMetric(s.org.id, { code: "seats", deletedAt: "2025-03-15 00:00:00" });
    const newSeats = await createUsageMetric(s.org.id, { code: "seats", recurring: true });
    await s.usage("2025-03-10", [chargeUsage(oldSeats, "1", 100)]);
    await s.usage("2025-03-20", [chargeUsage(newSeats, "2", 300)]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&is_billable_metric_recurring=true`)).toEqual([
      row(s.org.id, ["2025-03-20", "2025-03-20"], { amount: 300, units: "2", code: "seats" }),
    ]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&is_billable_metric_recurring=false`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1", code: "seats" }),
    ]);
  });

  it("customer_type and plan_code together", async () => {
    const s = await createUsageScenario({ customer: { customerType: "company" } });
    const person = await createCustomer(s.org.id, s.billingEntityId, { customerType: "individual" });
    const pro = await createPlan(s.org.id, { code: "pro" });
    const subs = [
      [s.customerId, pro, 1], // company on pro: the only one counted
      [s.customerId, s.planId, 2],
      [person, pro, 4],
      [person, s.planId, 8],
    ] as const;
    for (const [customerId, planId, amount] of subs) {
      const sub = await createSubscription(s.org.id, { customerId, planId });
      await s.usage("2025-03-10", [chargeUsage(s.metric, String(amount), amount)], sub);
    }
    expect(await usages(s.org.apiKey, `${MARCH_2025}&customer_type=company&plan_code=pro`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 1, units: "1" }),
    ]);
  });

  it("currency and billable_metric_code together", async () => {
    const s = await createUsageScenario();
    const seats = await createUsageMetric(s.org.id, { code: "seats" });
    await s.usage("2025-03-10", [
      chargeUsage(s.metric, "1", 1),
      chargeUsage(s.metric, "2", 2, "EUR"),
      chargeUsage(seats, "4", 4),
      chargeUsage(seats, "8", 8, "EUR"),
    ]);
    expect(await usages(s.org.apiKey, `${MARCH_2025}&currency=EUR&billable_metric_code=seats`)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 8, units: "8", code: "seats", currency: "EUR" }),
    ]);
  });
});

describe("usage: is_billable_metric_deleted", () => {
  it("is true when the only metric with the code is deleted", async () => {
    const s = await createUsageScenario();
    const gone = await createUsageMetric(s.org.id, { code: "legacy", deletedAt: "2025-03-15 00:00:00" });
    await s.usage("2025-03-10", [chargeUsage(gone, "1", 100)]);
    expect(await usages(s.org.apiKey, MARCH_2025)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1", code: "legacy", deleted: true }),
    ]);
  });

  it("is false when the code was deleted and created again", async () => {
    const s = await createUsageScenario();
    const old = await createUsageMetric(s.org.id, { code: "seats", deletedAt: "2025-03-15 00:00:00" });
    const again = await createUsageMetric(s.org.id, { code: "seats" });
    await s.usage("2025-03-10", [chargeUsage(old, "1", 100)]);
    await s.usage("2025-03-20", [chargeUsage(again, "2", 300)]);
    expect(await usages(s.org.apiKey, MARCH_2025)).toEqual([
      row(s.org.id, ["2025-03-10", "2025-03-10"], { amount: 100, units: "1", code: "seats" }),
      row(s.org.id, ["2025-03-20", "2025-03-20"], { amount: 300, units: "2", code: "seats" }),
    ]);
  });
});
