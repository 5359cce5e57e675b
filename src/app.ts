import { Hono } from "hono";
import { requestId } from "hono/request-id";
import type { AppEnv } from "./env.ts";
import { ApiError } from "./errors.ts";
import { handleError } from "./error-handler.ts";
import { apiKeyAuth } from "./middleware/auth.ts";
import { database } from "./middleware/database.ts";
import { rateLimitPolicy } from "./middleware/rate-limit.ts";
import { requestLog } from "./middleware/request-log.ts";
import { openApiRoute } from "./openapi/route.ts";
import { InvoicedUsageQuerySchema, invoicedUsageRoute } from "./routes/invoiced-usage.ts";
import { UsageQuerySchema, usageRoute } from "./routes/usage.ts";

export const ROUTES = ["/api/v1/analytics/invoiced_usage", "/api/v1/analytics/usage"] as const;
export const OPENAPI_PATH = "/api/v1/openapi.json";
const ALLOWED_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const ALLOW = [...ALLOWED_METHODS].join(", ");

/** The one app used by the Worker and by every test alike. */
export function createApp() {
  const app = new Hono<AppEnv>();
  // Our own id, always: a client's X-Request-Id is not adopted (limitLength 0), so a request_id in
  // a log line or a 5xx body is one we made, never text a client chose (its key, say).
  app.use(requestId({ limitLength: 0 }));
  app.use(
    requestLog({
      [ROUTES[0]]: Object.keys(InvoicedUsageQuerySchema.shape),
      [ROUTES[1]]: Object.keys(UsageQuerySchema.shape),
      [OPENAPI_PATH]: [],
    }),
  );

  // Known routes answer only GET (HEAD follows GET) and OPTIONS; any other method (POST, PURGE,
  // PROPFIND…) is a 405, not a 404, and is refused before the key is even looked at.
  for (const path of [...ROUTES, OPENAPI_PATH]) {
    app.on("OPTIONS", path, (c) => c.body(null, 204, { Allow: ALLOW }));
    app.use(path, async (c, next) => {
      if (!ALLOWED_METHODS.has(c.req.method)) {
        c.header("Allow", ALLOW);
        throw new ApiError("METHOD_NOT_ALLOWED");
      }
      await next();
    });
  }
  // Only known routes authenticate: an unknown path is a 404 for everyone, not a 401.
  for (const path of ROUTES) app.use(path, database, apiKeyAuth, rateLimitPolicy);
  app.route("/api/v1/analytics/invoiced_usage", invoicedUsageRoute);
  app.route("/api/v1/analytics/usage", usageRoute);
  // The API's description is public: no key needed to read it.
  app.route(OPENAPI_PATH, openApiRoute);

  // Answered here rather than thrown: Hono runs the not-found handler outside its error handling,
  // so a throw would skip the request log's line.
  app.notFound((c) => handleError(new ApiError("NOT_FOUND", { bodyCode: "route_not_found" }), c));
  app.onError(handleError);
  return app;
}
