import * as z from "zod/mini";
import { cachedAnswer } from "../cache/response-cache.ts";
import { defineEndpoint } from "../endpoint.ts";
import { notFound } from "../errors.ts";
import { readCurrencies, readOrganization, readSnapshotStatus } from "../queries/organization.ts";

// The service's own endpoint, not Lago's: what the dashboard needs to know of the organization
// before it asks for figures (its currency to open on, its billing entities to choose from, why its
// usage may be empty). Authenticated and cached like the analytics endpoints.

export const OrganizationQuerySchema = z.object({});

const BillingEntitySchema = z.object({ code: z.string(), name: z.string() });

const UsageSnapshotsSchema = z.object({
  started_at: z.iso.datetime(),
  last_day_done: z.nullable(z.iso.date()),
  stored_for_last_day: z.int(),
  subscriptions: z.int(),
  last_error: z.nullable(z.enum(["unauthorized", "unreachable", "malformed"])),
  error_since: z.nullable(z.iso.datetime()),
});

export const OrganizationResponseSchema = z.object({
  organization: z.object({
    name: z.string(),
    default_currency: z.nullable(z.string()),
    timezone: z.string(),
    currencies: z.array(z.string()),
    usage_source: z.enum(["lago", "snapshots", "none"]),
    usage_snapshots: z.nullable(UsageSnapshotsSchema),
  }),
  billing_entities: z.array(BillingEntitySchema),
});
export type OrganizationResponse = z.infer<typeof OrganizationResponseSchema>;

export const organizationEndpoint = defineEndpoint({
  path: "/api/v1/analytics/organization",
  operationId: "getAnalyticsOrganization",
  summary: "This service's own, not Lago's: the organization's name, default currency, time zone, currencies with finalized invoices, "
    + "billing entities (not deleted, not archived) and where its daily usage comes from: `lago` (Lago writes it, revenue analytics), "
    + "`snapshots` (this service takes it from Lago's API, LAGO_API_URL), `none`. usage_snapshots: that service's status, null before its first call "
    + "(subscriptions: those it covers, active and not skipping daily usage). "
    + "The CSV representation lists the billing entities.",
  query: OrganizationQuerySchema,
  parameterDescriptions: {},
  response: { name: "AnalyticsOrganization", schema: OrganizationResponseSchema, list: { key: "billing_entities", name: "AnalyticsBillingEntity", item: BillingEntitySchema } },
  cache: { route: "organization", defaultTtl: 300 },
  rollupParams: [],
  handle: (c) => {
    const { db, organizationId, config } = c.var;
    return cachedAnswer(c, {}, async () => {
      const dataAt = Date.now();
      const [org, currencies, status] = await Promise.all([
        readOrganization(db, organizationId), readCurrencies(db, organizationId), readSnapshotStatus(db, organizationId),
      ]);
      if (!org) throw notFound("organization");
      const value: OrganizationResponse = {
        organization: {
          name: org.name,
          default_currency: org.default_currency === "" ? null : org.default_currency,
          timezone: org.timezone === "" ? "UTC" : org.timezone,
          currencies,
          usage_source: org.lago_writes_usage ? "lago" : config.lagoApiUrl ? "snapshots" : "none",
          usage_snapshots: status && !org.lago_writes_usage
            ? { ...status, last_error: status.last_error as "unauthorized" | "unreachable" | "malformed" | null }
            : null,
        },
        billing_entities: org.billing_entities,
      };
      return { value, dataAt };
    });
  },
});
