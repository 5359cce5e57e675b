import type { Endpoint } from "./endpoint.ts";
import { grossRevenueEndpoint } from "./routes/gross-revenue.ts";
import { invoiceCollectionEndpoint } from "./routes/invoice-collection.ts";
import { invoicedUsageEndpoint } from "./routes/invoiced-usage.ts";
import { mrrEndpoint } from "./routes/mrr.ts";
import { organizationEndpoint } from "./routes/organization.ts";
import { overdueBalanceEndpoint } from "./routes/overdue-balance.ts";
import { usageEndpoint } from "./routes/usage.ts";

// Every API endpoint, in the order the OpenAPI document lists them. The app, the request log, the
// cache lifetimes and the document are derived from this list: adding an endpoint is its route
// file and one line here.
export const ENDPOINTS: readonly Endpoint<any>[] = [
  invoicedUsageEndpoint,
  usageEndpoint,
  grossRevenueEndpoint,
  invoiceCollectionEndpoint,
  mrrEndpoint,
  overdueBalanceEndpoint,
  organizationEndpoint,
];

/** Each endpoint's cache route and default lifetime: what the configuration needs of the list. */
export const CACHE_ROUTES = ENDPOINTS.map((e) => e.cache);
