// Exact decimal text arithmetic, never through a float: the dashboard adds the API's units and
// scales its minor units; the usage snapshots subtract Lago's units (src/snapshots/). Pure, so the
// page's bundle and the Worker share it.

type Scaled = { value: bigint; scale: number };

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** True for plain decimal text as Lago writes units: "12", "-0.5", "3.250" (no exponent, no sign "+"). */
export const isDecimal = (text: string): boolean => DECIMAL.test(text);

function parse(text: string): Scaled {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new Error(`not a decimal: ${text}`);
  const [, sign, whole, fraction = ""] = match;
  const value = BigInt(`${whole}${fraction}`);
  return { value: sign ? -value : value, scale: fraction.length };
}

function toText({ value, scale }: Scaled): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

const rescale = (s: Scaled, scale: number): bigint => s.value * 10n ** BigInt(scale - s.scale);

/** The exact sum of decimal strings, without trailing zeros ("0.1" + "0.2" = "0.3"). */
export function addDecimals(values: readonly string[]): string {
  const parsed = values.map(parse);
  const scale = Math.max(0, ...parsed.map((p) => p.scale));
  return toText({ value: parsed.reduce((sum, p) => sum + rescale(p, scale), 0n), scale });
}

/** An integer of minor units in major units, as decimal text: 12345 cents with 2 digits = "123.45". */
export function minorToMajor(minor: string | number, digits: number): string {
  return toText({ value: BigInt(minor), scale: digits });
}

/** a - b exactly, without exponent or trailing zeros ("0.4" - "0.1" = "0.3"). */
export function subtractDecimals(a: string, b: string): string {
  const [x, y] = [parse(a), parse(b)];
  const scale = Math.max(x.scale, y.scale);
  return toText({ value: rescale(x, scale) - rescale(y, scale), scale });
}

/** True when the decimal text is greater than zero. */
export const isPositiveDecimal = (text: string): boolean => parse(text).value > 0n;
