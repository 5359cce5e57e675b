import type { Context } from "hono";
import type { RequestIdVariables } from "hono/request-id";
import type * as z from "zod/mini";
import type { Config } from "./config.ts";
import type { Bindings, Database, DatabaseTiming } from "./env.ts";
import type { Format } from "./format/negotiate.ts";

/** What Hono carries for a request: the bindings, and what the middleware sets for the handler. */
export type AppEnv = {
  Bindings: Bindings;
  Variables: RequestIdVariables & {
    config: Config;
    db: Database;
    /** Time this request has spent waiting for the database so far (its log line reports it). */
    dbTiming: DatabaseTiming;
    organizationId: string;
    /** Lago's organizations.timezone of that organization, as stored (timezone=organization uses it). */
    organizationTimeZone: string;
    /** The endpoint answering this request, and the representation it answers in. */
    endpoint: Endpoint;
    format: Format;
  };
};

/** The names of an endpoint's query parameters, as its schema spells them. */
export type ParamName<Q extends z.ZodMiniObject> = keyof Q["shape"] & string;

/**
 * Everything one endpoint is, in one object: the app, the request log, the cache key, the
 * configuration and the OpenAPI document are all derived from the list of these (src/endpoints.ts),
 * so a new endpoint is its route file plus one line there.
 */
export type Endpoint<Q extends z.ZodMiniObject = z.ZodMiniObject> = {
  path: `/api/v1/${string}`;
  /** Lago's own operationId, so generated clients keep their method names. */
  operationId: string;
  summary: string;
  query: Q;
  /** One sentence per parameter, defaults in words (never a date: the document must not change daily). */
  parameterDescriptions: { [K in ParamName<Q>]: string };
  /**
   * The 200's schema and its list of rows (`key` in the body, each row an `item`), with Lago's names
   * for both in the OpenAPI document. The CSV representation is that list, one column per item field.
   */
  response: { name: string; schema: z.core.$ZodType; list: { key: string; name: string; item: z.ZodMiniObject } };
  /** Extra error answers this endpoint can give (401, 405, 422, 429, 503 apply to every endpoint). */
  notFound?: string;
  cache: {
    /** The cache key's route segment; also names the lifetime setting `CACHE_TTL_<ROUTE>`. */
    route: string;
    /** Seconds an answer stays fresh unless `CACHE_TTL_<ROUTE>` says otherwise. */
    defaultTtl: number;
  };
  /**
   * Parameters the request log may name (names only, never values); every query parameter unless
   * the endpoint narrows it (loggedParamsOf).
   */
  loggedParams?: readonly ParamName<Q>[];
  /**
   * Parameters the rollup can serve. An allowlist: a request using any other parameter is answered
   * from Lago's tables, so a new filter can never be silently ignored by the rollup.
   */
  rollupParams: readonly ParamName<Q>[];
  handle: (c: Context<AppEnv>, query: z.output<Q>, useRollup: boolean) => Promise<Response>;
};

/** Keeps the parameter names of `query` in the types of the descriptor's other fields. */
export const defineEndpoint = <Q extends z.ZodMiniObject>(endpoint: Endpoint<Q>): Endpoint<Q> => endpoint;

/** The parameters the request log may name for this endpoint. */
export const loggedParamsOf = <Q extends z.ZodMiniObject>(endpoint: Endpoint<Q>): readonly string[] =>
  endpoint.loggedParams ?? Object.keys(endpoint.query.shape);

/** True when every parameter with a value (given or defaulted) is one the rollup keeps. */
export function rollupCanServe<Q extends z.ZodMiniObject>(endpoint: Endpoint<Q>, query: z.output<Q>): boolean {
  const allowed: readonly string[] = endpoint.rollupParams;
  return Object.entries(query as Record<string, unknown>).every(([name, value]) => value === undefined || allowed.includes(name));
}
