import * as z from "zod/mini";
import { canonicalZone } from "../time/zones.ts";
import { COUNTRIES, CURRENCIES } from "./lago-enums.ts";

// Building blocks shared by the endpoints' query schemas (zod/mini: a fraction of classic zod's
// bundle weight). Each one ends in the type it parses to, so the OpenAPI document can describe
// parameters by their meaning. Case-insensitive codes are folded here, so everything downstream
// (SQL, cache keys) sees one spelling.

const upperCased = <T extends z.core.$ZodType<unknown, string>>(values: T) =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((s) => s.toUpperCase()),
    ),
    values,
  );

/** Lago's `Currency` and `Country` schemas (named so in the OpenAPI document). */
export const CurrencySchema = z.enum(CURRENCIES);
export const CountrySchema = z.enum(COUNTRIES);
export type Currency = z.infer<typeof CurrencySchema>;

export const CurrencyParam = upperCased(CurrencySchema);
export const CountryParam = upperCased(CountrySchema);

/** A positive integer written in plain decimal digits: no sign, no exponent, no fraction. */
export const integerParam = (min: number, max: number) =>
  z.pipe(
    z.pipe(z.string().check(z.regex(/^[0-9]{1,6}$/)), z.transform(Number)),
    z.int().check(z.gte(min), z.lte(max)),
  );

/**
 * `true` or `false` in any letter case (Lago's Python client sends `True`), or `1` / `0`; anything
 * else is a 422 rather than a guess.
 */
export const BooleanParam = z.pipe(
  z.pipe(
    z.string().check(z.regex(/^(true|false|1|0)$/i)),
    z.transform((s) => s === "1" || s.toLowerCase() === "true"),
  ),
  z.boolean(),
);

/**
 * A free-text identifier (codes, external ids): non-empty, of a sane length, and without NUL, which
 * PostgreSQL text cannot hold (the database would refuse the query: a 5xx for a bad parameter).
 */
export const IdentifierParam = z.string().check(z.minLength(1), z.maxLength(255), z.regex(/^[^\u0000]*$/));

// Defaults computed per request (today's date): the OpenAPI document describes them in words only,
// so that it does not change every day.
const computedDefaults = new WeakSet<z.core.$ZodType>();

/** `schema`, defaulting to `compute()` at each parse. */
export function computedDefault<T extends z.core.$ZodType>(schema: T, compute: () => z.core.util.NoUndefined<z.output<T>>) {
  const defaulted = z._default(schema, compute);
  computedDefaults.add(defaulted);
  return defaulted;
}

export const isComputedDefault = (schema: z.core.$ZodType) => computedDefaults.has(schema);

/** An IANA time zone (any letter case, read as its canonical name), or `organization`. */
export const TimeZoneParam = z.pipe(
  z.string().check(z.refine((s) => s === "organization" || canonicalZone(s) !== undefined)),
  z.transform((s) => (s === "organization" ? s : (canonicalZone(s) as string))),
);
