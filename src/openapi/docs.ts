import { swaggerUI } from "@hono/swagger-ui";
import type { AppEnv } from "../endpoint.ts";
import { DOCS_PATH, OPENAPI_PATH } from "./document.ts";

// The interactive API reference. Its script and stylesheet are Workers Static Assets copied from
// the swagger-ui-dist npm package (scripts/assets/build.ts), served from this Worker: no CDN.
export const DOCS_ASSETS_BASE = `${DOCS_PATH}/assets`;

export const docsPage = swaggerUI<AppEnv>({
  url: OPENAPI_PATH,
  baseUrl: DOCS_ASSETS_BASE,
  title: "Lago edge analytics: API reference",
  persistAuthorization: false,
  displayOperationId: true,
});
