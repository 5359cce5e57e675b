// Lago's own table, as lago-api's db/structure.sql defines it: Lago's names and types. Defaults exist only so
// a standalone dev/test database is easy to fill; the service never writes to these tables.
import { sql } from "drizzle-orm";
import { boolean, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import { entityDocumentNumbering, subscriptionInvoiceIssuingDateAnchors, subscriptionInvoiceIssuingDateAdjustments } from "./enums.ts";

export const billingEntities = pgTable("billing_entities", {
  id: uuid("id").primaryKey().defaultRandom(),
  organizationId: uuid("organization_id").notNull(),
  addressLine1: varchar("address_line1"),
  addressLine2: varchar("address_line2"),
  city: varchar("city"),
  country: varchar("country"),
  zipcode: varchar("zipcode"),
  state: varchar("state"),
  timezone: varchar("timezone").notNull().default(""),
  defaultCurrency: varchar("default_currency").notNull().default(""),
  documentLocale: varchar("document_locale").notNull().default(""),
  documentNumberPrefix: varchar("document_number_prefix"),
  documentNumbering: entityDocumentNumbering("document_numbering").notNull().default("per_customer"),
  finalizeZeroAmountInvoice: boolean("finalize_zero_amount_invoice").notNull().default(false),
  invoiceFooter: text("invoice_footer"),
  invoiceGracePeriod: integer("invoice_grace_period").notNull().default(0),
  netPaymentTerm: integer("net_payment_term").notNull().default(0),
  email: varchar("email"),
  emailSettings: varchar("email_settings").array().notNull().default([]),
  euTaxManagement: boolean("eu_tax_management"),
  legalName: varchar("legal_name"),
  legalNumber: varchar("legal_number"),
  logo: varchar("logo"),
  name: varchar("name").notNull(),
  code: varchar("code").notNull(),
  taxIdentificationNumber: varchar("tax_identification_number"),
  vatRate: doublePrecision("vat_rate").notNull().default(0),
  archivedAt: timestamp("archived_at", { precision: 6, mode: "string" }),
  deletedAt: timestamp("deleted_at", { precision: 6, mode: "string" }),
  createdAt: timestamp("created_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  appliedDunningCampaignId: uuid("applied_dunning_campaign_id"),
  einvoicing: boolean("einvoicing").notNull().default(false),
  subscriptionInvoiceIssuingDateAnchor: subscriptionInvoiceIssuingDateAnchors("subscription_invoice_issuing_date_anchor").notNull().default("current_period_end"),
  subscriptionInvoiceIssuingDateAdjustment: subscriptionInvoiceIssuingDateAdjustments("subscription_invoice_issuing_date_adjustment").notNull().default("keep_anchor"),
  phone: varchar("phone"),
  paymentTerm: jsonb("payment_term"),
}, (t) => [
  uniqueIndex("index_billing_entities_on_code_and_organization_id").on(t.code, t.organizationId).where(sql`deleted_at IS NULL AND archived_at IS NULL`),
  index("index_billing_entities_on_organization_id").on(t.organizationId),
]);
