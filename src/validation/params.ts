import * as z from "zod/mini";
import { COUNTRIES, CURRENCIES } from "./lago-enums.ts";

// Building blocks shared by the endpoints' query schemas (zod/mini: a fraction of classic zod's
// bundle weight). Each one ends in the type it parses to, so the OpenAPI document can describe
// parameters by their meaning. Case-insensitive codes are folded here, so everything downstream
// (SQL, cache keys) sees one spelling.

const upperCased = <T extends readonly [string, ...string[]]>(values: T) =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((s) => s.toUpperCase()),
    ),
    z.enum(values),
  );

export const CurrencyParam = upperCased(CURRENCIES);
export const CountryParam = upperCased(COUNTRIES);

/** A positive integer written in plain decimal digits: no sign, no exponent, no fraction. */
export const integerParam = (min: number, max: number) =>
  z.pipe(
    z.pipe(z.string().check(z.regex(/^[0-9]{1,6}$/)), z.transform(Number)),
    z.int().check(z.gte(min), z.lte(max)),
  );

/** Exactly `true` or `false`. */
export const BooleanParam = z.pipe(
  z.pipe(
    z.enum(["true", "false"]),
    z.transform((s) => s === "true"),
  ),
  z.boolean(),
);

/**
 * A free-text identifier (codes, external ids): non-empty, of a sane length, and without NUL, which
 * PostgreSQL text cannot hold (the database would refuse the query: a 5xx for a bad parameter).
 */
export const IdentifierParam = z.string().check(z.minLength(1), z.maxLength(255), z.regex(/^[^\u0000]*$/));
