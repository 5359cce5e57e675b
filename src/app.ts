import { Hono } from "hono";
import { requestId } from "hono/request-id";
import type { AppEnv } from "./env.ts";
import { ApiError } from "./errors.ts";
import { handleError } from "./error-handler.ts";
import { apiKeyAuth } from "./middleware/auth.ts";
import { database } from "./middleware/database.ts";
import { openApiRoute } from "./openapi/route.ts";
import { invoicedUsageRoute } from "./routes/invoiced-usage.ts";
import { usageRoute } from "./routes/usage.ts";

export const ROUTES = ["/api/v1/analytics/invoiced_usage", "/api/v1/analytics/usage"] as const;
export const OPENAPI_PATH = "/api/v1/openapi.json";

/** The one app used by the Worker and by every test alike. */
export function createApp() {
  const app = new Hono<AppEnv>();
  app.use(requestId());

  // Known routes answer only GET (HEAD follows GET) and OPTIONS; other methods are a 405, not a 404.
  for (const path of [...ROUTES, OPENAPI_PATH]) {
    app.on("OPTIONS", path, (c) => c.body(null, 204, { Allow: "GET, HEAD, OPTIONS" }));
    app.on(["POST", "PUT", "PATCH", "DELETE"], path, (c) => {
      c.header("Allow", "GET, HEAD, OPTIONS");
      throw new ApiError("METHOD_NOT_ALLOWED");
    });
  }
  // Only known routes authenticate: an unknown path is a 404 for everyone, not a 401.
  for (const path of ROUTES) app.use(path, database, apiKeyAuth);
  app.route("/api/v1/analytics/invoiced_usage", invoicedUsageRoute);
  app.route("/api/v1/analytics/usage", usageRoute);
  // The API's description is public: no key needed to read it.
  app.route(OPENAPI_PATH, openApiRoute);

  app.notFound(() => {
    throw new ApiError("NOT_FOUND", { bodyCode: "route_not_found" });
  });
  app.onError(handleError);
  return app;
}
