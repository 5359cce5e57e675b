import * as z from "zod/mini";
import { isCalendarDate } from "../time/calendar-dates.ts";

// Lago answers a malformed or impossible date with its own reason code, not the generic one.
// `abort` stops there, so a bad date is not also compared with the other bound.
export const DateParam = z.iso.date({ error: "invalid_date" }).check(
  z.refine(isCalendarDate, { error: "invalid_date", abort: true }),
);
