import { describe, expect, it } from "vitest";
import { createBillingScenario } from "./helpers/factories.ts";
import { callWorker } from "./helpers/request.ts";

// Asking for CSV never changes an error: it is JSON, in Lago's shape, with no download header.
describe("CSV requests that fail", () => {
  it("a bad parameter is a JSON 422", async () => {
    const s = await createBillingScenario();
    const response = await callWorker("/api/v1/analytics/invoiced_usage?format=csv&months=0", { apiKey: s.org.apiKey });
    expect(response.status).toBe(422);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Content-Disposition")).toBeNull();
    expect(await response.json()).toEqual({
      status: 422, error: "Unprocessable Entity", code: "validation_errors", error_details: { months: ["value_is_invalid"] },
    });
  });

  it("an unknown format is a 422 on format, reported with the other parameters", async () => {
    const s = await createBillingScenario();
    const response = await callWorker("/api/v1/analytics/usage?format=xlsx&time_granularity=yearly", { apiKey: s.org.apiKey });
    expect(await response.json()).toEqual({
      status: 422, error: "Unprocessable Entity", code: "validation_errors",
      error_details: { time_granularity: ["value_is_invalid"], format: ["value_is_invalid"] },
    });
  });

  it("format given twice is value_is_duplicated", async () => {
    const s = await createBillingScenario();
    const response = await callWorker("/api/v1/analytics/usage?format=csv&format=json", { apiKey: s.org.apiKey });
    expect(((await response.json()) as { error_details: unknown }).error_details).toEqual({ format: ["value_is_duplicated"] });
  });

  it("a missing key is a JSON 401, even with Accept: text/csv", async () => {
    const response = await callWorker("/api/v1/analytics/invoiced_usage", { headers: { Accept: "text/csv" } });
    expect(response.status).toBe(401);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 401, error: "Unauthorized" });
  });

  it("an unknown billing entity is a JSON 404", async () => {
    const s = await createBillingScenario();
    const response = await callWorker("/api/v1/analytics/invoiced_usage?billing_entity_code=nope", {
      apiKey: s.org.apiKey,
      headers: { Accept: "text/csv" },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ status: 404, error: "Not Found", code: "billing_entity_not_found" });
  });
});
