// The dev demo: small enough to load into PGlite in about a second, rich enough to exercise every
// filter of both endpoints (statuses, fee types, currencies, deleted and recreated metrics).
import { apiKeyValue, generateLagoData, orgSlug, type Batch, type GenerateOptions } from "./generate.ts";

export const DEMO_SEED = 20_240_501;

/** The live key of the first organization (acme), for the README's curl examples. */
export const DEMO_API_KEY = apiKeyValue(orgSlug(0), 1);
/** A key of the same organization whose `expires_at` is 30 days before `now`: always a 401. */
export const DEMO_EXPIRED_API_KEY = apiKeyValue(orgSlug(0), 2);

/** Every demo key, for `npm start`'s banner and the README (the demo has four organizations). */
export const DEMO_KEYS = [
  { key: DEMO_API_KEY, note: "acme" },
  { key: apiKeyValue(orgSlug(1), 1), note: "globex, expires in a year" },
  { key: apiKeyValue(orgSlug(2), 1), note: "initech" },
  { key: apiKeyValue(orgSlug(3), 1), note: "umbrella" },
  { key: DEMO_EXPIRED_API_KEY, note: "acme, expired: always 401" },
] as const;

export function demoOptions(now: Date): GenerateOptions {
  return {
    seed: DEMO_SEED, now, organizations: 4, months: 20,
    feesPerOrganization: 1_000, dailyUsagesPerOrganization: 750, metricsPerOrganization: 5,
    currencies: ["USD", "EUR", "GBP"],
  };
}

/** The demo rows for the month of `now`, in loadable batches. */
export function demoData(now: Date): Generator<Batch, void, undefined> {
  return generateLagoData(demoOptions(now));
}
