import { describe, expect, it } from "vitest";
import { OPENAPI_PATH, ROUTES } from "../../src/app.ts";
import { callWorker } from "./helpers/request.ts";

describe("GET /api/v1/openapi.json", () => {
  it("is served without an API key, as JSON, listing every route", async () => {
    const response = await callWorker(OPENAPI_PATH);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe("3.1.0");
    for (const path of ROUTES) expect(document.paths).toHaveProperty([path]);
  });

  it("answers 405 to POST", async () => {
    const response = await callWorker(OPENAPI_PATH, { method: "POST" });
    expect(response.status).toBe(405);
  });
});
