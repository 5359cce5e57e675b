import { describe, expect, it } from "vitest";
import { createApiKey, createBillingEntity, createBillingScenario } from "./helpers/factories.ts";
import { callWorker, getJson } from "./helpers/request.ts";

const PATH = "/api/v1/analytics/invoiced_usage";
const UNAUTHORIZED = { status: 401, error: "Unauthorized" };

describe("invoiced_usage: 401", () => {
  async function expectUnauthorized(headers: Record<string, string>) {
    const response = await callWorker(PATH, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get("WWW-Authenticate")).toBe("Bearer");
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(UNAUTHORIZED);
  }

  it("without an Authorization header", () => expectUnauthorized({}));
  it("with an empty Authorization header", () => expectUnauthorized({ Authorization: "" }));
  it("with Bearer and no key", () => expectUnauthorized({ Authorization: "Bearer " }));
  it("with another scheme", async () => {
    const s = await createBillingScenario();
    await expectUnauthorized({ Authorization: `Basic ${s.org.apiKey}` });
  });
  it("with an unknown key", () => expectUnauthorized({ Authorization: `Bearer ${crypto.randomUUID()}` }));
  it("with an expired key", async () => {
    const s = await createBillingScenario();
    const expired = await createApiKey(s.org.id, { expiresAt: "2025-01-01 00:00:00" });
    await expectUnauthorized({ Authorization: `Bearer ${expired}` });
  });
  it("with a key that expired a second ago (UTC)", async () => {
    const s = await createBillingScenario();
    const justExpired = new Date(Date.now() - 1000).toISOString().replace("T", " ").replace("Z", "");
    const key = await createApiKey(s.org.id, { expiresAt: justExpired });
    await expectUnauthorized({ Authorization: `Bearer ${key}` });
  });

  it("accepts a key that expires in the future", async () => {
    const s = await createBillingScenario();
    const key = await createApiKey(s.org.id, { expiresAt: "2999-01-01 00:00:00" });
    expect((await callWorker(PATH, { apiKey: key })).status).toBe(200);
  });

  it("checks the key before the parameters", async () => {
    const response = await callWorker(`${PATH}?months=0`);
    expect(response.status).toBe(401);
  });
});

describe("invoiced_usage: 422", () => {
  async function expect422(query: string, details: Record<string, string[]>) {
    const s = await createBillingScenario();
    const { status, body } = await getJson(`${PATH}${query}`, { apiKey: s.org.apiKey });
    expect(status).toBe(422);
    expect(body).toEqual({
      status: 422,
      error: "Unprocessable Entity",
      code: "validation_errors",
      error_details: details,
    });
  }

  it.each(["XYZ", "US", "usdollar", "", "€", "USD "])("currency=%j", (value) =>
    expect422(`?currency=${encodeURIComponent(value)}`, { currency: ["value_is_invalid"] }),
  );

  it.each(["0", "1201", "-1", "1.5", "abc", "", "1e2", "+3", " 3", "99999999999999999999"])("months=%j", (value) =>
    expect422(`?months=${encodeURIComponent(value)}`, { months: ["value_is_invalid"] }),
  );

  it("billing_entity_code empty", () => expect422("?billing_entity_code=", { billing_entity_code: ["value_is_invalid"] }));

  it("a parameter given twice", () =>
    expect422("?currency=USD&currency=EUR", { currency: ["value_is_duplicated"] }));

  it("names every bad parameter at once", () =>
    expect422("?currency=XYZ&months=0", { currency: ["value_is_invalid"], months: ["value_is_invalid"] }));

  it("accepts the bounds of months", async () => {
    const s = await createBillingScenario();
    for (const months of ["1", "1200"]) {
      expect((await callWorker(`${PATH}?months=${months}`, { apiKey: s.org.apiKey })).status).toBe(200);
    }
  });
});

describe("invoiced_usage: 404", () => {
  it("an unknown billing_entity_code", async () => {
    const s = await createBillingScenario();
    const { status, body } = await getJson(`${PATH}?billing_entity_code=nope`, { apiKey: s.org.apiKey });
    expect(status).toBe(404);
    expect(body).toEqual({ status: 404, error: "Not Found", code: "billing_entity_not_found" });
  });

  it("a deleted billing entity", async () => {
    const s = await createBillingScenario();
    await createBillingEntity(s.org.id, { code: "gone", deletedAt: "2025-01-01 00:00:00" });
    const { status, body } = await getJson(`${PATH}?billing_entity_code=gone`, { apiKey: s.org.apiKey });
    expect(status).toBe(404);
    expect(body.code).toBe("billing_entity_not_found");
  });
});

describe("routes and methods", () => {
  it("an unknown route is a JSON 404", async () => {
    const { status, body } = await getJson("/api/v1/analytics/nope");
    expect(status).toBe(404);
    expect(body).toEqual({ status: 404, error: "Not Found", code: "route_not_found" });
  });

  it.each(["POST", "PUT", "PATCH", "DELETE"])("%s on a known route is a JSON 405", async (method) => {
    const response = await callWorker(PATH, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    expect(await response.json()).toEqual({ status: 405, error: "Method Not Allowed" });
  });

  it("OPTIONS on a known route lists the allowed methods", async () => {
    const response = await callWorker(PATH, { method: "OPTIONS" });
    expect(response.status).toBe(204);
    expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
  });
});
