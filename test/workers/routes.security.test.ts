import { describe, expect, it } from "vitest";
import { ROUTES } from "../../src/app.ts";
import { createApiKey, createOrganization } from "./helpers/factories.ts";
import { callWorker, getJson } from "./helpers/request.ts";

// The checks every authenticated route must pass, run against each of them: authentication,
// methods, and never echoing the key. Route-specific behaviour stays in the routes' own files.

const UNAUTHORIZED = { status: 401, error: "Unauthorized" };
const utcTimestamp = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace("Z", "");

describe.each(ROUTES)("%s", (path) => {
  describe("401", () => {
    async function expectUnauthorized(headers: Record<string, string>) {
      const response = await callWorker(path, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("WWW-Authenticate")).toBe("Bearer");
      expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
      expect(await response.json()).toEqual(UNAUTHORIZED);
    }

    it("without an Authorization header", () => expectUnauthorized({}));
    it("with an empty Authorization header", () => expectUnauthorized({ Authorization: "" }));
    it("with Bearer and no key", () => expectUnauthorized({ Authorization: "Bearer " }));
    it("with another scheme", async () => {
      const org = await createOrganization();
      await expectUnauthorized({ Authorization: `Basic ${org.apiKey}` });
    });
    it("with an unknown key", () => expectUnauthorized({ Authorization: `Bearer ${crypto.randomUUID()}` }));
    it("with an expired key", async () => {
      const org = await createOrganization();
      const expired = await createApiKey(org.id, { expiresAt: "2025-01-01 00:00:00" });
      await expectUnauthorized({ Authorization: `Bearer ${expired}` });
    });
    it("with a key that expired a second ago (UTC)", async () => {
      const org = await createOrganization();
      const key = await createApiKey(org.id, { expiresAt: utcTimestamp(Date.now() - 1000) });
      await expectUnauthorized({ Authorization: `Bearer ${key}` });
    });
    it.each(["' OR '1'='1", "x'; DROP TABLE fees; --", "a".repeat(5000), "clé-é"])(
      "with a hostile key %j",
      (key) => expectUnauthorized({ Authorization: `Bearer ${key}` }),
    );

    it("accepts a key that expires in the future", async () => {
      const org = await createOrganization();
      const key = await createApiKey(org.id, { expiresAt: "2999-01-01 00:00:00" });
      expect((await callWorker(path, { apiKey: key })).status).toBe(200);
    });

    it("checks the key before the parameters", async () => {
      const response = await callWorker(`${path}?months=0&from_date=2026-02-30&currency=XYZ`);
      expect(response.status).toBe(401);
    });
  });

  describe("methods", () => {
    it.each(["POST", "PUT", "PATCH", "DELETE"])("%s is a JSON 405", async (method) => {
      const response = await callWorker(path, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
      expect(await response.json()).toEqual({ status: 405, error: "Method Not Allowed", code: "not_allowed" });
    });

    it("OPTIONS lists the allowed methods", async () => {
      const response = await callWorker(path, { method: "OPTIONS" });
      expect(response.status).toBe(204);
      expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    });

    it("HEAD answers like GET, without a body", async () => {
      const org = await createOrganization();
      const response = await callWorker(path, { apiKey: org.apiKey, method: "HEAD" });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("");
    });
  });

  it("a response never carries the API key", async () => {
    const org = await createOrganization();
    const response = await callWorker(path, { apiKey: org.apiKey });
    expect(response.status).toBe(200);
    const headers = JSON.stringify([...response.headers]);
    expect(`${headers}${await response.text()}`).not.toContain(org.apiKey);
  });
});

describe("unknown routes", () => {
  it.each(["/api/v1/analytics/nope", "/", "/api/v1/analytics", "/api/v1/analytics/usage/extra"])(
    "%s is a JSON 404",
    async (path) => {
      const { status, body } = await getJson(path);
      expect(status).toBe(404);
      expect(body).toEqual({ status: 404, error: "Not Found", code: "route_not_found" });
    },
  );
});
