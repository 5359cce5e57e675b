// Sums arrive from Postgres as exact decimal text. Numbers within 2^53 are written as plain JSON
// integers; beyond that, JSON.rawJSON keeps every digit instead of letting a double round it.
type RawJson = { rawJSON?: (text: string) => unknown };

export function jsonInteger(text: string): number {
  const value = Number(text);
  if (Number.isSafeInteger(value)) return value;
  const { rawJSON } = JSON as unknown as RawJson;
  if (rawJSON && /^-?[0-9]+$/.test(text)) return rawJSON(text) as number;
  return value;
}
