// The organization endpoint answers each organization its own context only, cached or not: the
// entry of one organization is never served to another, whatever order they ask in.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { testDb } from "./helpers/db.ts";
import { createBillingEntity, createInvoice, createOrganization } from "./helpers/factories.ts";
import { getJson } from "./helpers/request.ts";

const PATH = "/api/v1/analytics/organization";

async function organization(name: string, entity: string, currency: string) {
  const org = await createOrganization();
  await testDb.execute(sql`UPDATE organizations SET name = ${name} WHERE id = ${org.id}`);
  const entityId = await createBillingEntity(org.id, { code: entity });
  await createInvoice(org.id, { billingEntityId: entityId, currency, issuingDate: "2025-03-01" });
  return org;
}

describe("organization endpoint isolation", () => {
  it("gives each organization its own name, entities and currencies, first ask or cached", async () => {
    const a = await organization("Org A", "entity_a", "EUR");
    const b = await organization("Org B", "entity_b", "JPY");
    for (let round = 0; round < 2; round++) {
      for (const [org, name, entity, currency] of [[a, "Org A", "entity_a", "EUR"], [b, "Org B", "entity_b", "JPY"]] as const) {
        const { response, body } = await getJson(PATH, { apiKey: org.apiKey });
        if (round === 1) expect(response.headers.get("Cache-Status")).toContain("hit");
        expect(body.organization).toMatchObject({ name, currencies: [currency] });
        expect(body.billing_entities).toEqual([{ code: entity, name: entity }]);
      }
    }
  });
});
