import { type Answer, getJson } from "./api.ts";

// What the page knows of the organization (the service's own GET /api/v1/analytics/organization):
// the currency to open on, the billing entities to choose from, and why its usage may be empty.

export type OrganizationContext = {
  organization: {
    name: string; default_currency: string | null; timezone: string; currencies: string[];
    usage_source: "lago" | "snapshots" | "none";
    usage_snapshots: { started_at: string; last_day_done: string | null; stored_for_last_day: number; subscriptions: number; last_error: string | null } | null;
  };
  billing_entities: { code: string; name: string }[];
};

export const fetchContext = (): Promise<Answer> => getJson("/api/v1/analytics/organization", {});

/** Fills a billing-entity select: "All" and each entity; a code not among them (from a link) is kept, marked. */
export function fillEntities(select: HTMLSelectElement, context: OrganizationContext, keep: string) {
  const options = [new Option("All", ""), ...context.billing_entities.map((e) => new Option(e.name === e.code ? e.code : `${e.name} (${e.code})`, e.code))];
  if (keep !== "" && !context.billing_entities.some((e) => e.code === keep)) options.push(new Option(`${keep} (unknown)`, keep));
  select.replaceChildren(...options);
  select.value = keep;
}

const HISTORY = "For days before that, run Lago's own task once inside Lago: bundle exec rake daily_usages:fill_history[ORGANIZATION_ID,DAYS].";

/** Why a usage answer is empty, for this organization. */
export function emptyUsageText(context: OrganizationContext | undefined): string {
  const org = context?.organization;
  if (!org || org.usage_source === "lago") return "No usage in this window.";
  if (org.usage_source === "none") {
    return "No usage: Lago writes daily usage only for organizations with its revenue analytics, and this service's usage snapshots are off "
      + `(its LAGO_API_URL setting is empty). Turn them on to get usage from tonight. ${HISTORY}`;
  }
  const status = org.usage_snapshots;
  if (status?.last_error === "unauthorized") {
    return "No usage: Lago refused this organization's API key when asked for usage (the key needs customer_usage:read). "
      + `Snapshots resume once a key with that permission is added. ${HISTORY}`;
  }
  if (!status?.last_day_done) {
    return "No usage yet: this service takes a snapshot of each subscription's usage from Lago every night, after midnight in the "
      + `customer's time zone; the first one has not been taken yet. ${HISTORY}`;
  }
  return `No usage in this window. Snapshots are taken daily since ${status.started_at.slice(0, 10)} (last day done: ${status.last_day_done}, `
    + `with usage for ${status.stored_for_last_day} of ${status.subscriptions} subscriptions). ${HISTORY}`;
}
