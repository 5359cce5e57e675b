// Lago's PostgreSQL enum types (lago-schema.md).
import { pgEnum } from "drizzle-orm/pg-core";

export const billableMetricRoundingFunction = pgEnum("billable_metric_rounding_function", ["round", "floor", "ceil"]);
export const billableMetricWeightedInterval = pgEnum("billable_metric_weighted_interval", ["seconds"]);
export const customerAccountType = pgEnum("customer_account_type", ["customer", "partner"]);
export const customerType = pgEnum("customer_type", ["company", "individual"]);
export const entityDocumentNumbering = pgEnum("entity_document_numbering", ["per_customer", "per_billing_entity"]);
export const paymentMethodTypes = pgEnum("payment_method_types", ["provider", "manual"]);
export const planPricingType = pgEnum("plan_pricing_type", ["legacy", "product_catalog"]);
export const subscriptionCancelationReasons = pgEnum("subscription_cancelation_reasons", ["payment_failed", "timeout"]);
export const subscriptionCancellationReasons = pgEnum("subscription_cancellation_reasons", ["payment_failed", "timeout"]);
export const subscriptionInvoiceIssuingDateAdjustments = pgEnum("subscription_invoice_issuing_date_adjustments", ["keep_anchor", "align_with_finalization_date"]);
export const subscriptionInvoiceIssuingDateAnchors = pgEnum("subscription_invoice_issuing_date_anchors", ["current_period_end", "next_period_start"]);
export const subscriptionOnTerminationCreditNote = pgEnum("subscription_on_termination_credit_note", ["credit", "skip", "refund", "offset"]);
export const subscriptionOnTerminationInvoice = pgEnum("subscription_on_termination_invoice", ["generate", "skip"]);
export const taxStatus = pgEnum("tax_status", ["pending", "succeeded", "failed"]);
export const subscriptionInvoicingReason = pgEnum("subscription_invoicing_reason", [
  "subscription_starting", "subscription_periodic", "subscription_terminating", "in_advance_charge", "in_advance_charge_periodic", "progressive_billing",
]);
