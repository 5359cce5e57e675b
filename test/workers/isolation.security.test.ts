import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cacheApp, cacheStatus } from "./helpers/cache-app.ts";
import { type Expected, expectedInvoicedUsage, expectedUsage } from "./helpers/oracle.ts";
import {
  billingModel,
  insertBillingModel,
  insertUsageModel,
  invoicedUsageParams,
  usageModel,
  usageParams,
} from "./helpers/random-orgs.ts";
import { insertRevenueModel, revenueModel, revenueParams } from "./helpers/revenue-model.ts";
import { queryString } from "./helpers/request.ts";
import { expectedGrossRevenue, expectedInvoiceCollection, expectedMrr, expectedOverdueBalance } from "./helpers/revenue-oracle.ts";

// Property: whatever the organizations hold and whatever valid parameters they send, in whatever
// order, each one gets exactly its own answer (equal to the oracle's, worked out from its own rows
// only) and the cache never hands one organization's entry to another. Every run builds 2-3 fresh
// organizations whose rows share codes, currencies and external ids, sends 1-3 query strings from
// each of them (the same strings from every organization), each twice, shuffled, through one app.
const NUM_RUNS = 25;
const INVOICED = "/api/v1/analytics/invoiced_usage";
const USAGE = "/api/v1/analytics/usage";

type Org = { id: string; apiKey: string; expected: (params: never) => Expected };
type Tally = { runs: number; organizations: number; requests: number; hits: number; rows: number };

const schedule = fc.array(fc.nat(), { minLength: 18, maxLength: 18 });
const order = fc.array(fc.nat({ max: 20 }), { maxLength: 11 });

/** Sends every (organization, query) pair twice in the order `keys` gives, checking each answer. */
async function checkRun(path: string, orgs: Org[], queries: { params: object; order: number[] }[], keys: number[], tally: Tally) {
  const app = cacheApp();
  const pairs = orgs.flatMap((org) => queries.flatMap((q) => [{ org, q }, { org, q }]));
  const shuffled = pairs.map((pair, i) => ({ pair, key: keys[i] ?? i })).sort((a, b) => a.key - b.key).map((p) => p.pair);
  const asked = new Map<Org, Set<string>>(orgs.map((org) => [org, new Set()]));
  for (const { org, q } of shuffled) {
    const search = queryString(q.params as Record<string, string>, q.order);
    const { status, body, response } = await app.get(`${path}?${search}`, { apiKey: org.apiKey });
    const expected = org.expected(q.params as never);
    expect({ status, body }, `${path}?${search} for organization ${org.id}`).toEqual(expected);
    if (status === 200) {
      const verdict = cacheStatus(response) ?? "";
      // A hit only ever serves what this organization asked for before; the same string asked
      // again by the same organization is served from its own entry.
      if (verdict.startsWith("hit")) expect(asked.get(org)!.size, "a hit before this organization asked anything").toBeGreaterThan(0);
      if (asked.get(org)!.has(search)) expect(verdict).toMatch(/^hit; /);
      else if (asked.get(org)!.size === 0) expect(verdict).toBe("fwd=miss; stored");
      asked.get(org)!.add(search);
      tally.hits += verdict.startsWith("hit") ? 1 : 0;
      const rows = Object.values(body as Record<string, unknown[]>)[0] ?? [];
      tally.rows += rows.length;
    }
    tally.requests++;
  }
  tally.runs++;
  tally.organizations += orgs.length;
}

const report = (name: string, t: Tally) =>
  console.log(`[isolation] ${name}: ${t.runs} runs, ${t.organizations} organizations, ${t.requests} requests (${t.hits} cache hits), ${t.rows} rows compared`);

describe("isolation between organizations (property-based)", () => {
  it("invoiced_usage: each organization gets exactly its own revenue, cached or not", async () => {
    const tally: Tally = { runs: 0, organizations: 0, requests: 0, hits: 0, rows: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(billingModel, { minLength: 2, maxLength: 3 }),
        fc.array(fc.record({ params: invoicedUsageParams, order }), { minLength: 1, maxLength: 3 }),
        schedule,
        async (models, queries, keys) => {
          const orgs = await Promise.all(
            models.map(async (model) => ({ ...(await insertBillingModel(model)), expected: (q: never) => expectedInvoicedUsage(model, q) })),
          );
          await checkRun(INVOICED, orgs, queries, keys, tally);
        },
      ),
      { numRuns: NUM_RUNS },
    );
    report("invoiced_usage", tally);
    expect(tally.runs).toBe(NUM_RUNS);
  }, 120_000);

  it("usage: each organization gets exactly its own usage, cached or not", async () => {
    const tally: Tally = { runs: 0, organizations: 0, requests: 0, hits: 0, rows: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(usageModel, { minLength: 2, maxLength: 3 }),
        fc.array(fc.record({ params: usageParams, order }), { minLength: 1, maxLength: 3 }),
        schedule,
        async (models, queries, keys) => {
          const orgs = await Promise.all(
            models.map(async (model) => {
              const org = await insertUsageModel(model);
              return { ...org, expected: (q: never) => expectedUsage(model, org.id, q) };
            }),
          );
          await checkRun(USAGE, orgs, queries, keys, tally);
        },
      ),
      { numRuns: NUM_RUNS },
    );
    report("usage", tally);
    expect(tally.runs).toBe(NUM_RUNS);
  }, 120_000);

  const REVENUE = [
    ["/api/v1/analytics/gross_revenue", expectedGrossRevenue],
    ["/api/v1/analytics/invoice_collection", expectedInvoiceCollection],
    ["/api/v1/analytics/mrr", expectedMrr],
    ["/api/v1/analytics/overdue_balance", expectedOverdueBalance],
  ] as const;
  it.each(REVENUE)("%s: each organization gets exactly its own answer, cached or not", async (path, oracle) => {
    const tally: Tally = { runs: 0, organizations: 0, requests: 0, hits: 0, rows: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(revenueModel, { minLength: 2, maxLength: 3 }),
        fc.array(fc.record({ params: revenueParams, order }), { minLength: 1, maxLength: 3 }),
        schedule,
        async (models, queries, keys) => {
          const orgs = await Promise.all(
            models.map(async (model) => {
              const inserted = await insertRevenueModel(model);
              return { ...inserted, expected: (q: never) => oracle(model, inserted, q) };
            }),
          );
          await checkRun(path, orgs, queries, keys, tally);
        },
      ),
      { numRuns: NUM_RUNS },
    );
    report(path.split("/").pop() as string, tally);
    expect(tally.runs).toBe(NUM_RUNS);
  }, 180_000);
});
