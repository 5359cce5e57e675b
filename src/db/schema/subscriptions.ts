// Lago's own table, as lago-api's db/structure.sql defines it: Lago's names and types. Defaults exist only so
// a standalone dev/test database is easy to fill; the service never writes to these tables.
import { boolean, date, index, integer, pgTable, timestamp, uuid, varchar } from "drizzle-orm/pg-core";
import { subscriptionOnTerminationCreditNote, subscriptionOnTerminationInvoice, paymentMethodTypes, subscriptionCancelationReasons, subscriptionCancellationReasons } from "./enums.ts";

export const subscriptions = pgTable("subscriptions", {
  id: uuid("id").primaryKey().defaultRandom(),
  customerId: uuid("customer_id").notNull(),
  planId: uuid("plan_id").notNull(),
  status: integer("status").notNull().default(0),
  canceledAt: timestamp("canceled_at", { precision: 6, mode: "string" }),
  terminatedAt: timestamp("terminated_at", { precision: 6, mode: "string" }),
  startedAt: timestamp("started_at", { precision: 6, mode: "string" }),
  createdAt: timestamp("created_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  previousSubscriptionId: uuid("previous_subscription_id"),
  name: varchar("name"),
  externalId: varchar("external_id").notNull(),
  billingTime: integer("billing_time").notNull().default(0),
  subscriptionAt: timestamp("subscription_at", { precision: 6, mode: "string" }),
  endingAt: timestamp("ending_at", { precision: 6, mode: "string" }),
  trialEndedAt: timestamp("trial_ended_at", { precision: 6, mode: "string" }),
  organizationId: uuid("organization_id").notNull(),
  onTerminationCreditNote: subscriptionOnTerminationCreditNote("on_termination_credit_note"),
  onTerminationInvoice: subscriptionOnTerminationInvoice("on_termination_invoice").notNull().default("generate"),
  paymentMethodId: uuid("payment_method_id"),
  paymentMethodType: paymentMethodTypes("payment_method_type").notNull().default("provider"),
  skipInvoiceCustomSections: boolean("skip_invoice_custom_sections").notNull().default(false),
  progressiveBillingDisabled: boolean("progressive_billing_disabled").notNull().default(false),
  lastReceivedEventOn: date("last_received_event_on", { mode: "string" }),
  cancelationReason: subscriptionCancelationReasons("cancelation_reason"),
  incompletedAt: timestamp("incompleted_at", { precision: 6, mode: "string" }),
  activatedAt: timestamp("activated_at", { precision: 6, mode: "string" }),
  billingEntityId: uuid("billing_entity_id"),
  consolidateInvoice: boolean("consolidate_invoice").notNull().default(false),
  skipDailyUsage: boolean("skip_daily_usage").notNull().default(false),
  cancellationReason: subscriptionCancellationReasons("cancellation_reason"),
  purchaseOrderNumber: varchar("purchase_order_number"),
  billingAnchorDate: date("billing_anchor_date", { mode: "string" }),
}, (t) => [
  index("index_subscriptions_on_plan_id").on(t.planId),
]);
