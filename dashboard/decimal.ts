// Exact decimal text arithmetic for the page: the API's amounts are integers of minor units and its
// units are decimal strings; both are added and scaled here without ever passing through a float.

type Scaled = { value: bigint; scale: number };

function parse(text: string): Scaled {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
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
