import { PGlite } from "@electric-sql/pglite";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationStatements } from "../../scripts/db/migrations.ts";
import { DEMO_API_KEY, DEMO_EXPIRED_API_KEY, DEMO_KEYS, demoData, demoOptions } from "../../scripts/seed/demo.ts";
import { generateLagoData, LAGO_TABLES, type Batch } from "../../scripts/seed/generate.ts";
import { insertStatement, loadLagoData } from "../../scripts/seed/load.ts";

// A fixed "now": the generator never reads the clock, so every assertion below is reproducible.
const NOW = new Date("2026-11-22T10:15:00Z");
const NOW_SQL = "2026-11-22 10:15:00";
const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/;

function digest(batches: Iterable<Batch>): string {
  const hash = createHash("sha256");
  for (const batch of batches) hash.update(JSON.stringify(batch));
  return hash.digest("hex");
}

describe("generateLagoData", () => {
  it("gives identical data for the same seed and now, different data for another seed", () => {
    expect(digest(demoData(NOW))).toBe(digest(demoData(new Date(NOW))));
    expect(digest(generateLagoData({ ...demoOptions(NOW), seed: 7 }))).not.toBe(digest(demoData(NOW)));
  });

  it("yields bounded batches in dependency order, unique ids and Lago's timestamp format", () => {
    const ids = new Set<string>();
    let rows = 0, lastTable = 0;
    for (const { table, rows: batch } of generateLagoData({ ...demoOptions(NOW), batchSize: 250 })) {
      expect(batch.length).toBeLessThanOrEqual(250);
      expect(LAGO_TABLES.indexOf(table)).toBeGreaterThanOrEqual(lastTable);
      lastTable = LAGO_TABLES.indexOf(table);
      for (const row of batch) {
        ids.add(String(row.id));
        rows++;
        expect(row.created_at).toMatch(TIMESTAMP);
      }
    }
    expect(ids.size).toBe(rows);
  });

  it("streams large fee counts without materialising them", () => {
    let fees = 0;
    for (const b of generateLagoData({ seed: 1, now: NOW, organizations: 2, feesPerOrganization: 50_000, dailyUsagesPerOrganization: 0 })) {
      if (b.table === "fees") fees += b.rows.length;
    }
    expect(fees).toBe(100_000);
  });

  it("keeps every month covered and nothing after now when now is seconds into a month", () => {
    const now = new Date("2026-03-01T00:00:30Z");
    const months = new Set<string>();
    for (const { table, rows } of generateLagoData({ seed: 3, now, organizations: 1, months: 18, feesPerOrganization: 400 })) {
      for (const row of rows) {
        for (const column of ["created_at", "refreshed_at"]) if (row[column] !== undefined) expect(String(row[column]) <= "2026-03-01 00:00:30").toBe(true);
        if (table === "fees") months.add(String(row.created_at).slice(0, 7));
      }
    }
    expect(months.size).toBe(18);
    expect(months.has("2026-03")).toBe(true);
  });

  it("refuses a table name outside the generator's allow-list", () => {
    expect(() => insertStatement("pg_user; --", [{ id: 1 }])).toThrow(/not a generated Lago table/);
    expect(() => insertStatement("fees", [{ 'id"; drop': 1 }])).toThrow(/invalid column/);
  });
});

describe("the demo loaded into PostgreSQL (PGlite)", () => {
  let db: PGlite;
  let counts: Record<string, number>;
  const rows = async <T = Record<string, unknown>>(text: string, params: unknown[] = []) => (await db.query<T>(text, params)).rows;
  const one = async (text: string, params: unknown[] = []) => Object.values((await rows(text, params))[0] ?? {})[0];

  beforeAll(async () => {
    db = new PGlite();
    for (const statement of migrationStatements()) await db.exec(statement);
    const started = performance.now();
    counts = await loadLagoData((text, params) => db.query(text, params), demoData(NOW));
    console.log(`demo loaded in ${Math.round(performance.now() - started)} ms:`, counts);
  }, 120_000);
  afterAll(async () => db?.close());

  it("returns the row count of every table, matching the database", async () => {
    expect(Object.keys(counts)).toEqual([...LAGO_TABLES]);
    for (const table of LAGO_TABLES) expect(Number(await one(`SELECT count(*) FROM "${table}"`))).toBe(counts[table]);
    expect(counts.fees).toBe(4_000);
    expect(counts.daily_usages).toBe(3_000);
  });

  it("gives every organization invoices in every status 0..7 and fees of every fee_type 0..5", async () => {
    const orgs = await rows<{ s: number[]; t: number[] }>(`SELECT
      (SELECT array_agg(DISTINCT status ORDER BY status) FROM invoices i WHERE i.organization_id = o.id) s,
      (SELECT array_agg(DISTINCT fee_type ORDER BY fee_type) FROM fees f WHERE f.organization_id = o.id) t FROM organizations o`);
    expect(orgs).toHaveLength(4);
    for (const o of orgs) expect(o).toEqual({ s: [0, 1, 2, 3, 4, 5, 6, 7], t: [0, 1, 2, 3, 4, 5] });
  });

  it("has plans of every interval in advance and in arrears, and subscription fees with service periods, coupons and taxes", async () => {
    expect(await rows("SELECT DISTINCT interval i, pay_in_advance a FROM plans ORDER BY 1, 2")).toEqual(
      [0, 1, 2, 3, 4].flatMap((i) => [{ i, a: false }, { i, a: true }]),
    );
    const periods = await rows<{ i: number; a: boolean; days: number }>(`SELECT DISTINCT p.interval i, p.pay_in_advance a,
        round(extract(epoch FROM (f.properties->>'to_datetime')::timestamp - (f.properties->>'from_datetime')::timestamp) / 86400)::int days
      FROM fees f JOIN subscriptions s ON s.id = f.subscription_id JOIN plans p ON p.id = s.plan_id WHERE f.fee_type = 2 AND p.interval IN (0, 3)`);
    expect(periods.filter((p) => p.i === 0).every((p) => p.days === 7)).toBe(true);
    expect(periods.filter((p) => p.i === 3).every((p) => p.days >= 89 && p.days <= 92)).toBe(true);
    expect(Number(await one("SELECT count(*) FROM fees WHERE fee_type = 2 AND properties ? 'from_datetime' AND taxes_amount_cents > 0 AND precise_coupons_amount_cents > 0"))).toBeGreaterThan(0);
  });

  it("has invoices in every payment status, due dates past and future, overdue flags, partial payments and credit notes of every status", async () => {
    expect(await rows("SELECT DISTINCT payment_status s FROM invoices ORDER BY 1")).toEqual([{ s: 0 }, { s: 1 }, { s: 2 }]);
    expect(Number(await one("SELECT count(*) FROM invoices WHERE payment_due_date > $1::date", [NOW_SQL]))).toBeGreaterThan(0);
    expect(Number(await one("SELECT count(*) FROM invoices WHERE status = 1 AND payment_overdue AND payment_status <> 1"))).toBeGreaterThan(0);
    expect(Number(await one("SELECT count(*) FROM invoices WHERE status = 2 AND payment_overdue"))).toBeGreaterThan(0);
    expect(Number(await one("SELECT count(*) FROM invoices WHERE total_paid_amount_cents BETWEEN 1 AND total_amount_cents - 1"))).toBeGreaterThan(0);
    expect(await rows("SELECT DISTINCT status s FROM credit_notes ORDER BY 1")).toEqual([{ s: 0 }, { s: 1 }, { s: 2 }]);
    expect(Number(await one("SELECT count(*) FROM credit_notes WHERE status = 1 AND refund_amount_cents > 0"))).toBeGreaterThan(0);
    expect(Number(await one("SELECT count(*) FROM credit_notes WHERE status = 1 AND offset_amount_cents > 0"))).toBeGreaterThan(0);
    expect(Number(await one(`SELECT count(*) FROM credit_notes cn JOIN invoices i ON i.id = cn.invoice_id
      WHERE cn.refund_amount_cents + cn.offset_amount_cents > i.total_amount_cents OR cn.organization_id <> i.organization_id`))).toBe(0);
  });

  it("has finalized invoices that are self-billed or dispute-lost, with charge fees on them", async () => {
    expect(Number(await one("SELECT count(*) FROM invoices WHERE status = 1 AND self_billed"))).toBeGreaterThan(0);
    expect(Number(await one("SELECT count(*) FROM invoices WHERE status = 1 AND payment_dispute_lost_at IS NOT NULL"))).toBeGreaterThan(0);
    expect(Number(await one(`SELECT count(*) FROM fees f JOIN invoices i ON i.id = f.invoice_id
      WHERE f.fee_type = 0 AND (i.self_billed OR i.payment_dispute_lost_at IS NOT NULL)`))).toBeGreaterThan(0);
  });

  it("has the demo keys: a live one and an expired one of the same organization", async () => {
    const keys = await rows<{ value: string; live: boolean; slug: string }>(`SELECT k.value, (k.expires_at IS NULL OR k.expires_at > $1::timestamp) live, o.slug
      FROM api_keys k JOIN organizations o ON o.id = k.organization_id WHERE k.value = ANY($2) ORDER BY k.value`, [NOW_SQL, [DEMO_API_KEY, DEMO_EXPIRED_API_KEY]]);
    expect(keys).toEqual([{ value: DEMO_API_KEY, live: true, slug: "acme" }, { value: DEMO_EXPIRED_API_KEY, live: false, slug: "acme" }]);
    expect(Number(await one("SELECT count(*) FROM api_keys WHERE expires_at > $1::timestamp", [NOW_SQL]))).toBeGreaterThan(0);
  });

  it("has every key npm start and the README name, live unless said to be expired", async () => {
    const keys = await rows<{ value: string; live: boolean; slug: string }>(`SELECT k.value, (k.expires_at IS NULL OR k.expires_at > $1::timestamp) live, o.slug
      FROM api_keys k JOIN organizations o ON o.id = k.organization_id WHERE k.value = ANY($2)`, [NOW_SQL, DEMO_KEYS.map((k) => k.key)]);
    expect(keys).toHaveLength(DEMO_KEYS.length);
    for (const { key, note } of DEMO_KEYS) {
      const row = keys.find((k) => k.value === key);
      expect(note.startsWith(row?.slug ?? "?"), key).toBe(true);
      expect(row?.live, key).toBe(!note.includes("expired"));
    }
  });

  it("has both customer types (and unset ones), several countries and billing entity codes", async () => {
    expect(await rows("SELECT DISTINCT customer_type::text t FROM customers ORDER BY 1")).toEqual([{ t: "company" }, { t: "individual" }, { t: null }]);
    expect(Number(await one("SELECT count(DISTINCT country) FROM customers"))).toBeGreaterThanOrEqual(4);
    expect(await rows("SELECT code FROM billing_entities WHERE code LIKE 'acme%' ORDER BY code")).toEqual([{ code: "acme_eu" }, { code: "acme_uk" }, { code: "acme_us" }]);
  });

  it("has a metric code deleted and recreated, a metric only deleted, and recurring metrics", async () => {
    const perCode = await rows<{ code: string; live: number; dead: number }>(`SELECT code, count(*) FILTER (WHERE deleted_at IS NULL)::int live,
      count(*) FILTER (WHERE deleted_at IS NOT NULL)::int dead FROM billable_metrics GROUP BY organization_id, code HAVING bool_or(deleted_at IS NOT NULL)`);
    expect(perCode.some((c) => c.live === 1 && c.dead === 1)).toBe(true);
    expect(perCode.some((c) => c.live === 0 && c.dead === 1)).toBe(true);
    expect(Number(await one("SELECT count(*) FROM billable_metrics WHERE recurring"))).toBeGreaterThan(0);
    expect(Number(await one("SELECT count(*) FROM charges WHERE deleted_at IS NOT NULL"))).toBeGreaterThan(0);
  });

  it("has fractional coupon amounts below the fee, ≥3 currencies and fee currency = invoice currency", async () => {
    expect(Number(await one("SELECT count(*) FROM fees WHERE precise_coupons_amount_cents <> trunc(precise_coupons_amount_cents)"))).toBeGreaterThan(0);
    expect(Number(await one("SELECT count(*) FROM fees WHERE precise_coupons_amount_cents >= amount_cents"))).toBe(0);
    expect(Number(await one("SELECT count(DISTINCT amount_currency) FROM fees"))).toBeGreaterThanOrEqual(3);
    expect(Number(await one("SELECT count(*) FROM fees f JOIN invoices i ON i.id = f.invoice_id WHERE f.amount_currency IS DISTINCT FROM i.currency"))).toBe(0);
  });

  it("has deleted fees, uninvoiced pay-in-advance fees and charge fees pointing at their charge", async () => {
    expect(Number(await one("SELECT count(*) FROM fees WHERE deleted_at IS NOT NULL"))).toBeGreaterThan(0);
    expect(Number(await one("SELECT count(*) FROM fees WHERE invoice_id IS NULL AND pay_in_advance AND fee_type = 0"))).toBeGreaterThan(0);
    expect(Number(await one(`SELECT count(*) FROM fees WHERE fee_type = 0
      AND (invoiceable_type <> 'Charge' OR invoiceable_id IS DISTINCT FROM charge_id OR subscription_id IS NULL)`))).toBe(0);
    expect(await rows("SELECT DISTINCT invoiceable_type t FROM fees WHERE fee_type <> 0 ORDER BY 1")).toHaveLength(5);
  });

  it("has fees in each of the last 18 months, the current one included, and none after now", async () => {
    const missing = await rows(`SELECT o.slug, m FROM organizations o,
      generate_series(date_trunc('month', $1::timestamp) - interval '17 months', date_trunc('month', $1::timestamp), interval '1 month') m
      WHERE NOT EXISTS (SELECT 1 FROM fees f WHERE f.organization_id = o.id AND date_trunc('month', f.created_at) = m)`, [NOW_SQL]);
    expect(missing).toEqual([]);
    expect(Number(await one("SELECT count(*) FROM fees f JOIN organizations o ON o.id = f.organization_id WHERE f.created_at > $1::timestamp OR f.created_at < o.created_at", [NOW_SQL]))).toBe(0);
  });

  it("keeps every link inside one organization", async () => {
    const mismatches = await one(`SELECT
      (SELECT count(*) FROM fees f JOIN invoices i ON i.id = f.invoice_id WHERE i.organization_id <> f.organization_id OR i.billing_entity_id <> f.billing_entity_id)
    + (SELECT count(*) FROM fees f JOIN charges c ON c.id = f.charge_id WHERE c.organization_id <> f.organization_id)
    + (SELECT count(*) FROM fees f WHERE f.fee_type = 0 AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.id = f.charge_id))
    + (SELECT count(*) FROM fees f JOIN subscriptions s ON s.id = f.subscription_id WHERE s.organization_id <> f.organization_id)
    + (SELECT count(*) FROM charges c JOIN plans p ON p.id = c.plan_id JOIN billable_metrics m ON m.id = c.billable_metric_id
        WHERE p.organization_id <> c.organization_id OR m.organization_id <> c.organization_id)
    + (SELECT count(*) FROM subscriptions s JOIN customers c ON c.id = s.customer_id JOIN plans p ON p.id = s.plan_id
        WHERE c.organization_id <> s.organization_id OR p.organization_id <> s.organization_id OR s.billing_entity_id <> c.billing_entity_id)
    + (SELECT count(*) FROM customers c JOIN billing_entities b ON b.id = c.billing_entity_id WHERE b.organization_id <> c.organization_id)
    + (SELECT count(*) FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE c.organization_id <> i.organization_id)
    + (SELECT count(*) FROM daily_usages d JOIN subscriptions s ON s.id = d.subscription_id
        WHERE s.organization_id <> d.organization_id OR s.customer_id <> d.customer_id OR s.external_id <> d.external_subscription_id)
    + (SELECT count(*) FROM daily_usages d, jsonb_array_elements(d.usage_diff -> 'charges_usage') e
        WHERE NOT EXISTS (SELECT 1 FROM billable_metrics m WHERE m.id = (e -> 'billable_metric' ->> 'lago_id')::uuid
          AND m.organization_id = d.organization_id AND m.code = e -> 'billable_metric' ->> 'code'))`);
    expect(Number(mismatches)).toBe(0);
  });

  it("stores daily usage in Lago's shape: units as JSON strings, some fractional, one row per subscription and day", async () => {
    expect(Number(await one(`SELECT count(*) FROM daily_usages d, jsonb_array_elements(d.usage_diff -> 'charges_usage') e
      WHERE jsonb_typeof(e -> 'units') <> 'string' OR jsonb_typeof(e -> 'amount_cents') <> 'number'`))).toBe(0);
    expect(Number(await one(`SELECT count(*) FROM daily_usages d, jsonb_array_elements(d.usage_diff -> 'charges_usage') e
      WHERE (e ->> 'units')::numeric <> trunc((e ->> 'units')::numeric)`))).toBeGreaterThan(0);
    expect(Number(await one("SELECT count(*) - count(DISTINCT (subscription_id, usage_date)) FROM daily_usages"))).toBe(0);
    expect(Number(await one("SELECT count(DISTINCT date_trunc('month', usage_date)) FROM daily_usages"))).toBe(20);
    expect(Number(await one("SELECT count(*) FROM daily_usages WHERE usage_date > $1::date", [NOW_SQL]))).toBe(0);
  });

  it("leaves the contract's invoiced_usage filters something to count and something to drop", async () => {
    const [counted, charged] = await rows<{ n: number }>(`SELECT count(*)::int n FROM fees f JOIN invoices i ON i.id = f.invoice_id
      WHERE f.deleted_at IS NULL AND f.fee_type = 0 AND f.invoiceable_type = 'Charge' AND i.status = 1 AND i.self_billed IS FALSE
        AND i.payment_dispute_lost_at IS NULL UNION ALL SELECT count(*)::int FROM fees WHERE fee_type = 0`);
    expect(counted?.n).toBeGreaterThan(0);
    expect(counted?.n).toBeLessThan(charged?.n ?? 0);
  });
});
