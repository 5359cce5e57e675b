import type { Endpoint } from "./endpoint.ts";
import { invoicedUsageEndpoint } from "./routes/invoiced-usage.ts";
import { usageEndpoint } from "./routes/usage.ts";

// Every API endpoint, in the order the OpenAPI document lists them. The app, the request log, the
// cache lifetimes and the document are derived from this list: adding an endpoint is its route
// file and one line here.
export const ENDPOINTS: readonly Endpoint<any>[] = [invoicedUsageEndpoint, usageEndpoint];
