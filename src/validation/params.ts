import { z } from "zod";
import { CURRENCIES } from "./lago-enums.ts";

// Building blocks shared by the endpoints' query schemas. Case-insensitive codes are folded here,
// so everything downstream (SQL, cache keys) sees one spelling.

export const CurrencyParam = z
  .string()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(CURRENCIES));

/** A positive integer written in plain decimal digits: no sign, no exponent, no fraction. */
export const integerParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,6}$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** A free-text identifier (codes, external ids): non-empty and of a sane length. */
export const IdentifierParam = z.string().min(1).max(255);
