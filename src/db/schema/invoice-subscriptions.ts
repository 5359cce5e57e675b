// Lago's own table, as lago-api's db/structure.sql defines it: Lago's names and types. Defaults exist only so
// a standalone dev/test database is easy to fill; the service never writes to these tables.
import { boolean, index, pgTable, timestamp, uuid } from "drizzle-orm/pg-core";
import { subscriptionInvoicingReason } from "./enums.ts";

/** The billing period an invoice closed for a subscription (the usage snapshots' period ends read it). */
export const invoiceSubscriptions = pgTable("invoice_subscriptions", {
  id: uuid("id").primaryKey().defaultRandom(),
  invoiceId: uuid("invoice_id").notNull(),
  subscriptionId: uuid("subscription_id").notNull(),
  createdAt: timestamp("created_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  recurring: boolean("recurring"),
  timestamp: timestamp("timestamp", { precision: 6, mode: "string" }),
  fromDatetime: timestamp("from_datetime", { precision: 6, mode: "string" }),
  toDatetime: timestamp("to_datetime", { precision: 6, mode: "string" }),
  chargesFromDatetime: timestamp("charges_from_datetime", { precision: 6, mode: "string" }),
  chargesToDatetime: timestamp("charges_to_datetime", { precision: 6, mode: "string" }),
  invoicingReason: subscriptionInvoicingReason("invoicing_reason"),
  organizationId: uuid("organization_id").notNull(),
  regeneratedInvoiceId: uuid("regenerated_invoice_id"),
  fixedChargesFromDatetime: timestamp("fixed_charges_from_datetime", { precision: 6, mode: "string" }),
  fixedChargesToDatetime: timestamp("fixed_charges_to_datetime", { precision: 6, mode: "string" }),
}, (t) => [
  index("index_invoice_subscriptions_on_invoice_id").on(t.invoiceId),
  index("index_invoice_subscriptions_on_organization_id").on(t.organizationId),
  index("index_invoice_subscriptions_on_subscription_id").on(t.subscriptionId),
  index("index_invoice_subscriptions_on_subscription_id_and_dates").on(t.subscriptionId, t.fromDatetime, t.toDatetime),
]);
