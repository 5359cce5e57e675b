import { sql, type SQL } from "drizzle-orm";

// Months in an IANA time zone. Lago stores timestamps as UTC `timestamp without time zone`; a local
// time is `(t AT TIME ZONE 'UTC') AT TIME ZONE zone`, and a local time back to UTC is
// `(t AT TIME ZONE zone) AT TIME ZONE 'UTC'`. The zone is always a bound parameter.

/** The zone's canonical spelling, or undefined when the runtime's time-zone database has no such zone. */
export function canonicalZone(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The calendar year and month (1-12) of `now` in `zone`. */
export function yearMonthIn(now: Date, zone: string): { year: number; month: number } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "numeric" }).formatToParts(now);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part("year"), month: part("month") };
}

/** A UTC timestamp expression as the local time in `zone`. */
export const localTime = (utc: SQL, zone: string): SQL => sql`((${utc}) AT TIME ZONE 'UTC') AT TIME ZONE ${zone}::text`;

/** A local timestamp expression as the UTC instant it names in `zone`. */
export const utcInstant = (local: SQL, zone: string): SQL => sql`((${local}) AT TIME ZONE ${zone}::text) AT TIME ZONE 'UTC'`;

/**
 * A local month start as ISO-8601 text with the zone's offset at that instant:
 * 2026-11-01T00:00:00.000+01:00 in Europe/Paris, 2026-07-01T00:00:00.000+05:30 in Asia/Kolkata.
 */
export function monthStartText(localMonth: SQL, zone: string): SQL {
  const offsetMinutes = sql`(extract(epoch FROM (${localMonth}) - ${utcInstant(localMonth, zone)}) / 60)::int`;
  return sql`to_char(${localMonth}, 'YYYY-MM-DD"T"HH24:MI:SS.MS')
    || CASE WHEN ${offsetMinutes} < 0 THEN '-' ELSE '+' END
    || to_char(abs(${offsetMinutes}) / 60, 'FM00') || ':' || to_char(abs(${offsetMinutes}) % 60, 'FM00')`;
}
