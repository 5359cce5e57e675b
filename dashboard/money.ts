import { minorToMajor } from "../src/decimal.ts";

// Amounts are shown in the currency's major unit with its own number of minor digits (USD 2, JPY 0,
// BHD 3), exactly: the integer is moved across the decimal point as text, then formatted.

const locale = () => navigator.language || "en-US";

export function minorDigits(currency: string): number {
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** A decimal string in the major unit ("123.45") from minor units (12345). */
export const majorAmount = (minor: string | number, currency: string) => minorToMajor(minor, minorDigits(currency));

export function formatMoney(major: string, currency: string): string {
  const digits = minorDigits(currency);
  const format = new Intl.NumberFormat(locale(), { style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
  // Intl formats a decimal string exactly (no float on the way).
  return format.format(major as unknown as number);
}

export function formatUnits(units: string): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 20 }).format(units as unknown as number);
}
