import { addDecimals } from "../src/decimal.ts";
import { majorAmount } from "./money.ts";

// Which currency a page shows (amounts are never converted between currencies).

export type Amount = { currency: string; minor: string | number };

/** The currency with the largest total in major units; ties go to the first in byte order. */
export function largestCurrency(rows: readonly Amount[]): string | undefined {
  const totals = new Map<string, string[]>();
  for (const r of rows) totals.set(r.currency, [...(totals.get(r.currency) ?? []), majorAmount(r.minor, r.currency)]);
  let best: [string, number] | undefined;
  for (const [currency, values] of totals) {
    const total = Number(addDecimals(values));
    if (!best || total > best[1] || (total === best[1] && currency < best[0])) best = [currency, total];
  }
  return best?.[0];
}

/**
 * The currency to show among `listed`: the one just `picked` (in the list, or named by a link);
 * else the one `shown` before while the answer has rows in it; else the organization's default
 * currency when it has rows; else the one with the largest total; else the default, or the first listed.
 */
export function chosenCurrency(opts: { listed: readonly string[]; rows: readonly Amount[]; picked?: string | undefined; shown: string; defaultCurrency?: string | null | undefined }): string {
  const withRows = new Set(opts.rows.map((r) => r.currency));
  const { picked, shown, defaultCurrency } = opts;
  if (picked !== undefined && opts.listed.includes(picked)) return picked;
  if (withRows.has(shown)) return shown;
  if (defaultCurrency && withRows.has(defaultCurrency)) return defaultCurrency;
  return largestCurrency(opts.rows) ?? defaultCurrency ?? opts.listed[0] ?? "";
}
