// The service's own organization endpoint: what the dashboard learns before it asks for figures.
// In workerd, through the database path of the run; expected values from the fixture by hand.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { customerUsage } from "../../scripts/lago-api/stand-in.ts";
import { testDb } from "./helpers/db.ts";
import { createBillingEntity, createInvoice, createOrganization } from "./helpers/factories.ts";
import { callWorker, getJson } from "./helpers/request.ts";
import { snapshotScenario } from "./helpers/snapshots.ts";

const PATH = "/api/v1/analytics/organization";

async function organizationWithBooks() {
  const org = await createOrganization();
  await testDb.execute(sql`UPDATE organizations SET name = 'Acme', default_currency = 'EUR', timezone = 'Europe/Paris' WHERE id = ${org.id}`);
  const eu = await createBillingEntity(org.id, { code: "acme_eu" });
  await testDb.execute(sql`UPDATE billing_entities SET name = 'Acme Europe' WHERE id = ${eu}`);
  const jp = await createBillingEntity(org.id, { code: "acme_jp" });
  await createBillingEntity(org.id, { code: "old", archivedAt: "2025-01-01" });
  await createBillingEntity(org.id, { code: "gone", deletedAt: "2025-01-01" });
  // Finalized in EUR twice and JPY once; a draft in USD and a self-billed one in GBP do not count.
  await createInvoice(org.id, { billingEntityId: eu, currency: "EUR", issuingDate: "2025-03-01" });
  await createInvoice(org.id, { billingEntityId: eu, currency: "EUR", issuingDate: "2025-03-01" });
  await createInvoice(org.id, { billingEntityId: jp, currency: "JPY", issuingDate: "2025-03-01" });
  await createInvoice(org.id, { billingEntityId: eu, currency: "USD", status: 0, issuingDate: "2025-03-01" });
  await createInvoice(org.id, { billingEntityId: eu, currency: "GBP", selfBilled: true, issuingDate: "2025-03-01" });
  return org;
}

describe("GET /api/v1/analytics/organization", () => {
  it("answers the name, default currency, zone, the currencies with finalized invoices and the live billing entities", async () => {
    const org = await organizationWithBooks();
    const { response, body } = await getJson(PATH, { apiKey: org.apiKey });
    expect(response.status).toBe(200);
    expect(body).toEqual({
      organization: {
        name: "Acme", default_currency: "EUR", timezone: "Europe/Paris", currencies: ["EUR", "JPY"],
        usage_source: "snapshots", usage_snapshots: null,
      },
      billing_entities: [{ code: "acme_eu", name: "Acme Europe" }, { code: "acme_jp", name: "acme_jp" }],
    });
  });

  it("gives UTC and null for an organization without zone or default currency, and lists its entities as CSV", async () => {
    const org = await createOrganization();
    await createBillingEntity(org.id, { code: "main" });
    const { body } = await getJson(PATH, { apiKey: org.apiKey });
    expect(body.organization).toMatchObject({ default_currency: null, timezone: "UTC", currencies: [] });
    const csv = await callWorker(`${PATH}?format=csv`, { apiKey: org.apiKey });
    expect(csv.headers.get("Content-Type")).toContain("text/csv");
    expect(await csv.text()).toBe("code,name\r\nmain,main\r\n");
  });

  it("says Lago writes the usage of an organization with revenue analytics", async () => {
    const org = await createOrganization();
    await testDb.execute(sql`UPDATE organizations SET premium_integrations = '{revenue_analytics}' WHERE id = ${org.id}`);
    const { body } = await getJson(PATH, { apiKey: org.apiKey });
    expect(body.organization).toMatchObject({ usage_source: "lago", usage_snapshots: null });
  });

  it("says nobody writes the usage when the snapshots are off", async () => {
    const org = await createOrganization();
    const response = await createApp().request(`https://analytics.test${PATH}`, { headers: { Authorization: `Bearer ${org.apiKey}` } },
      { ...env, LAGO_API_URL: "" }, createExecutionContext());
    expect(((await response.json()) as { organization: unknown }).organization).toMatchObject({ usage_source: "none" });
  });

  it("shows the snapshots' status: the last day done, its stored subscriptions, the last error and since when", async () => {
    const s = await snapshotScenario();
    await s.lagoAnswers(customerUsage(s.metric, [{ id: "ch_1", units: "1", amount: 100, events: 1 }]));
    await s.run("2025-03-11T01:00:00Z");
    await s.fault("401");
    await s.run("2025-03-12T01:00:00Z");
    const { body } = await getJson(PATH, { apiKey: s.org.apiKey, headers: { "Cache-Control": "no-cache" } });
    expect(body.organization).toMatchObject({
      usage_source: "snapshots",
      usage_snapshots: { last_day_done: "2025-03-10", stored_for_last_day: 1, subscriptions: 1, last_error: "unauthorized", error_since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) },
    });
  });
});
