import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { ApiError } from "./errors.ts";
import { handleError } from "./error-handler.ts";
import { apiKeyAuth } from "./middleware/auth.ts";
import { database } from "./middleware/database.ts";
import { rateLimitPolicy } from "./middleware/rate-limit.ts";
import { requestLog } from "./middleware/request-log.ts";
import { DOCS_PATH, OPENAPI_PATH } from "./openapi/document.ts";
import { docsPage } from "./openapi/docs.ts";
import { openApiRoute } from "./openapi/route.ts";
import { type AppEnv, loggedParamsOf, rollupCanServe } from "./endpoint.ts";
import { CACHE_ROUTES, ENDPOINTS } from "./endpoints.ts";
import { csvFilename, FormatQuerySchema, wantsCsv } from "./format/negotiate.ts";
import { parseQuery } from "./validation/query.ts";

/** The API's paths, each behind a Lago API key. */
export const ROUTES = ENDPOINTS.map((e) => e.path);
export { DOCS_PATH, OPENAPI_PATH };
/** Paths anyone may read, without a key: the API's description and its reference page. */
const PUBLIC_PATHS = [OPENAPI_PATH, DOCS_PATH];
const ALLOWED_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const ALLOW = [...ALLOWED_METHODS].join(", ");

/** The one app used by the Worker and by every test alike. */
export function createApp() {
  const app = new Hono<AppEnv>();
  // Our own id, always: a client's X-Request-Id is not adopted (limitLength 0), so a request_id in
  // a log line or a 5xx body is one we made, never text a client chose (its key, say).
  app.use(requestId({ limitLength: 0 }));
  app.use(requestLog(Object.fromEntries([...ENDPOINTS.map((e) => [e.path, [...loggedParamsOf(e), "format"]]), ...PUBLIC_PATHS.map((p) => [p, []])])));

  // Known routes answer only GET (HEAD follows GET) and OPTIONS; any other method (POST, PURGE,
  // PROPFIND…) is a 405, not a 404, and is refused before the key is even looked at.
  for (const path of [...ROUTES, ...PUBLIC_PATHS]) {
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
  const withDatabase = database(CACHE_ROUTES);
  for (const endpoint of ENDPOINTS) {
    app.get(endpoint.path, withDatabase, apiKeyAuth, rateLimitPolicy, (c) => {
      const { query, common } = parseQuery(c.req.url, endpoint.query, FormatQuerySchema);
      const csv = wantsCsv(common.format, c.req.header("Accept"));
      c.set("endpoint", endpoint);
      c.set("format", csv ? { kind: "csv", filename: csvFilename(endpoint.cache.route, query) } : { kind: "json" });
      return endpoint.handle(c, query, rollupCanServe(endpoint, query));
    });
  }
  // The API's description and reference page are public: no key needed to read them.
  app.route(OPENAPI_PATH, openApiRoute);
  app.get(DOCS_PATH, docsPage);

  // Answered here rather than thrown: Hono runs the not-found handler outside its error handling,
  // so a throw would skip the request log's line.
  app.notFound((c) => handleError(new ApiError("NOT_FOUND", { bodyCode: "route_not_found" }), c));
  app.onError(handleError);
  return app;
}
