import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DOCS_PATH, OPENAPI_PATH } from "../../src/app.ts";
import { callWorker } from "./helpers/request.ts";

// The interactive API reference: an HTML page served by the Worker, whose script and stylesheet are
// the Worker's own static assets (from the swagger-ui-dist npm package), never a CDN.
describe("GET /api/v1/docs", () => {
  it("is an HTML page, without a key, that loads the OpenAPI document and only assets of this origin", async () => {
    const response = await callWorker(DOCS_PATH);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain(`url: '${OPENAPI_PATH}'`);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining([`${DOCS_PATH}/assets/swagger-ui-dist/swagger-ui-bundle.js`]));
    for (const url of assets) expect(url.startsWith("/"), url).toBe(true);
  });

  // In front of the Worker, Cloudflare answers a path that names an asset from the assets directory
  // (the vitest integration does not route through that layer; test/e2e/start.test.ts goes through
  // wrangler dev). Here: the directory holds what the page asks for.
  it("its script and stylesheet are in the static assets", async () => {
    const assets = (env as unknown as { ASSETS: Fetcher }).ASSETS;
    const script = await assets.fetch(`https://analytics.test${DOCS_PATH}/assets/swagger-ui-dist/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("Content-Type")).toMatch(/javascript/);
    expect(await script.text()).toContain("SwaggerUIBundle");
    const css = await assets.fetch(`https://analytics.test${DOCS_PATH}/assets/swagger-ui-dist/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get("Content-Type")).toMatch(/^text\/css/);
    await css.body?.cancel();
  });

  it("answers 405 to POST, in Lago's shape", async () => {
    const response = await callWorker(DOCS_PATH, { method: "POST" });
    expect(response.status).toBe(405);
    expect(await response.json()).toEqual({ status: 405, error: "Method Not Allowed", code: "not_allowed" });
  });
});
