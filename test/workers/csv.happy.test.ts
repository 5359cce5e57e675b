import { describe, expect, it } from "vitest";
import { cacheApp, cacheStatus } from "./helpers/cache-app.ts";
import { createBillingScenario } from "./helpers/factories.ts";
import { callWorker } from "./helpers/request.ts";
import { chargeUsage } from "../helpers/lago-usage.ts";
import { createUsageMetric, createUsageScenario } from "./helpers/usage-factories.ts";

// CSV: the JSON answer's list, one line per row, RFC 4180 (CRLF, quotes doubled), header first.
const INVOICED = "/api/v1/analytics/invoiced_usage";
const USAGE = "/api/v1/analytics/usage";
const MARCH_2025 = "from_date=2025-03-01&to_date=2025-03-31";

async function csv(path: string, apiKey: string, headers: Record<string, string> = {}) {
  const response = await callWorker(path, { apiKey, headers });
  return { response, text: await response.text() };
}

describe("CSV of invoiced_usage", () => {
  it("format=csv: header row, then the rows of the JSON answer in its order, CRLF, amounts as integers", async () => {
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    await s.fee(2500, "2025-04-02 08:00:00", { preciseCouponsAmountCents: "0.5" }); // 2499.5 -> 2500
    await s.fee(700, "2025-04-03 08:00:00", { currency: "EUR" });
    const { response, text } = await csv(`${INVOICED}?format=csv`, s.org.apiKey);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(text).toBe(
      "month,code,currency,amount_cents\r\n" +
        "2025-04-01T00:00:00.000Z,api_calls,USD,2500\r\n" +
        "2025-04-01T00:00:00.000Z,api_calls,EUR,700\r\n" +
        "2025-03-01T00:00:00.000Z,api_calls,USD,1000\r\n",
    );
  });

  it("Accept: text/csv answers CSV too; Accept preferring JSON does not", async () => {
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    const asked = await csv(INVOICED, s.org.apiKey, { Accept: "text/csv" });
    expect(asked.response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(asked.text.split("\r\n")[0]).toBe("month,code,currency,amount_cents");
    const json = await csv(INVOICED, s.org.apiKey, { Accept: "application/json, text/csv;q=0.5" });
    expect(json.response.headers.get("Content-Type")).toMatch(/^application\/json/);
    const browser = await csv(INVOICED, s.org.apiKey, { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" });
    expect(browser.response.headers.get("Content-Type")).toMatch(/^application\/json/);
    const forced = await csv(`${INVOICED}?format=json`, s.org.apiKey, { Accept: "text/csv" });
    expect(forced.response.headers.get("Content-Type")).toMatch(/^application\/json/);
  });

  it("is a download named after the endpoint and its parameters", async () => {
    const s = await createBillingScenario();
    const { response } = await csv(`${INVOICED}?format=csv&currency=usd&months=12`, s.org.apiKey);
    expect(response.headers.get("Content-Disposition")).toBe('attachment; filename="invoiced_usage_currency-USD_months-12.csv"');
  });

  it("an empty answer is the header row alone", async () => {
    const s = await createBillingScenario();
    const { text } = await csv(`${INVOICED}?format=csv`, s.org.apiKey);
    expect(text).toBe("month,code,currency,amount_cents\r\n");
  });

  it("a field with a comma, a quote or a line break is quoted, quotes doubled", async () => {
    const s = await createBillingScenario({ code: 'calls, "fast"\nand slow' });
    await s.fee(1000, "2025-03-10 08:00:00");
    const { text } = await csv(`${INVOICED}?format=csv`, s.org.apiKey);
    expect(text).toBe('month,code,currency,amount_cents\r\n2025-03-01T00:00:00.000Z,"calls, ""fast""\nand slow",USD,1000\r\n');
  });
});

describe("CSV of usage", () => {
  it("units as the same decimal strings, booleans as true/false, in the JSON order", async () => {
    const s = await createUsageScenario();
    const gone = await createUsageMetric(s.org.id, { code: "seats", deletedAt: "2025-01-01 00:00:00" });
    await s.usage("2025-03-10", [chargeUsage(s.metric, "0.1", 10), chargeUsage(s.metric, "0.2", 20)]);
    await s.usage("2025-03-11", [chargeUsage(gone, "-1.50", -150)]);
    const { text } = await csv(`${USAGE}?format=csv&${MARCH_2025}`, s.org.apiKey);
    const id = s.org.id;
    expect(text).toBe(
      "organization_id,start_of_period_dt,end_of_period_dt,amount_currency,amount_cents,billable_metric_code,units,is_billable_metric_deleted\r\n" +
        `${id},2025-03-10,2025-03-10,USD,30,api_calls,0.3,false\r\n` +
        `${id},2025-03-11,2025-03-11,USD,-150,seats,-1.5,true\r\n`,
    );
  });

  it("streams a large answer: 1,200 rows arrive in several chunks and add up to the whole", async () => {
    const s = await createUsageScenario();
    const metrics = await Promise.all(Array.from({ length: 40 }, (_, i) => createUsageMetric(s.org.id, { code: `m${String(i).padStart(2, "0")}` })));
    for (let day = 1; day <= 30; day++) {
      await s.usage(`2025-03-${String(day).padStart(2, "0")}`, metrics.map((m) => chargeUsage(m, "1", 1)));
    }
    const response = await callWorker(`${USAGE}?format=csv&${MARCH_2025}`, { apiKey: s.org.apiKey });
    const reader = response.body!.getReader();
    let chunks = 0;
    let text = "";
    const decoder = new TextDecoder();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks++;
      text += decoder.decode(r.value, { stream: true });
    }
    const lines = text.split("\r\n");
    expect(lines).toHaveLength(1 + 1200 + 1); // header, 30 days x 40 metrics, and the empty string after the last CRLF
    expect(lines[1]).toBe(`${s.org.id},2025-03-01,2025-03-01,USD,1,m00,1,false`);
    expect(chunks).toBeGreaterThan(1);
  });
});

describe("CSV and the cache", () => {
  it("each representation is its own entry: JSON stored does not answer CSV, and the reverse", async () => {
    const s = await createBillingScenario();
    await s.fee(1000, "2025-03-10 08:00:00");
    const app = cacheApp();
    const send = async (path: string, headers: Record<string, string> = {}) => {
      const { response, settled } = await app.send(path, { apiKey: s.org.apiKey, headers });
      const text = await response.text();
      await settled;
      return { response, text };
    };
    const json = await send(INVOICED);
    const firstCsv = await send(INVOICED, { Accept: "text/csv" });
    expect(cacheStatus(firstCsv.response)).toBe("fwd=miss; stored");
    const secondCsv = await send(`${INVOICED}?format=csv`);
    expect(cacheStatus(secondCsv.response)).toMatch(/^hit; /);
    expect(secondCsv.text).toBe(firstCsv.text);
    expect(secondCsv.response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(secondCsv.response.headers.get("Content-Disposition")).toMatch(/^attachment; /);
    const jsonAgain = await send(INVOICED);
    expect(cacheStatus(jsonAgain.response)).toMatch(/^hit; /);
    expect(jsonAgain.text).toBe(json.text);
    expect(jsonAgain.response.headers.get("Vary")).toBe("Authorization, Accept");
    expect(firstCsv.response.headers.get("ETag")).not.toBe(json.response.headers.get("ETag"));
    expect(secondCsv.response.headers.get("ETag")).toBe(firstCsv.response.headers.get("ETag"));
  });

  it("If-None-Match with the CSV's ETag answers 304", async () => {
    const s = await createBillingScenario();
    const first = await callWorker(`${INVOICED}?format=csv`, { apiKey: s.org.apiKey });
    await first.text();
    const again = await callWorker(`${INVOICED}?format=csv`, { apiKey: s.org.apiKey, headers: { "If-None-Match": first.headers.get("ETag")! } });
    expect(again.status).toBe(304);
  });
});
