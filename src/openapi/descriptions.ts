// What each query parameter means, for the OpenAPI document (api-contract.md in a sentence each).
export const PARAMETER_DESCRIPTIONS: Record<string, string> = {
  currency: "ISO 4217 code from Lago's Currency list, case-insensitive. Without it, every currency has its own rows.",
  months:
    "The current UTC month and the months - 1 before it. Without it, every month since the organization's creation.",
  billing_entity_code: "Only invoices of this billing entity. Unknown code: 404 billing_entity_not_found.",
  time_granularity: "daily, weekly (ISO weeks, Monday to Sunday) or monthly (calendar months).",
  from_date: "First usage_date counted, YYYY-MM-DD. Default: 30 days before to_date.",
  to_date: "Last usage_date counted, YYYY-MM-DD. Default: today (UTC).",
  customer_type: "company or individual.",
  external_customer_id: "The customer's external_id.",
  customer_country: "ISO 3166-1 alpha-2 country of the customer, case-insensitive.",
  external_subscription_id: "The subscription's external_id.",
  plan_code: "Code of the subscription's plan.",
  billable_metric_code: "Code of the billable metric.",
  is_billable_metric_recurring: "true or false: whether the record's billable metric is recurring.",
};
