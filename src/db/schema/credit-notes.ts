// Lago's own table, as lago-api's db/structure.sql defines it: Lago's names and types. Defaults exist only so
// a standalone dev/test database is easy to fill; the service never writes to these tables.
import { bigint, date, doublePrecision, index, integer, numeric, pgTable, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core";

export const creditNotes = pgTable("credit_notes", {
  id: uuid("id").primaryKey().defaultRandom(),
  customerId: uuid("customer_id").notNull(),
  invoiceId: uuid("invoice_id").notNull(),
  sequentialId: integer("sequential_id").notNull().default(0),
  number: varchar("number").notNull(),
  creditAmountCents: bigint("credit_amount_cents", { mode: "number" }).notNull().default(0),
  creditAmountCurrency: varchar("credit_amount_currency").notNull(),
  creditStatus: integer("credit_status"),
  balanceAmountCents: bigint("balance_amount_cents", { mode: "number" }).notNull().default(0),
  balanceAmountCurrency: varchar("balance_amount_currency").notNull(),
  reason: integer("reason").notNull().default(0),
  file: varchar("file"),
  createdAt: timestamp("created_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  totalAmountCents: bigint("total_amount_cents", { mode: "number" }).notNull().default(0),
  totalAmountCurrency: varchar("total_amount_currency").notNull(),
  refundAmountCents: bigint("refund_amount_cents", { mode: "number" }).notNull().default(0),
  refundAmountCurrency: varchar("refund_amount_currency"),
  refundStatus: integer("refund_status"),
  voidedAt: timestamp("voided_at", { precision: 6, mode: "string" }),
  description: text("description"),
  taxesAmountCents: bigint("taxes_amount_cents", { mode: "number" }).notNull().default(0),
  refundedAt: timestamp("refunded_at", { precision: 6, mode: "string" }),
  issuingDate: date("issuing_date", { mode: "string" }).notNull(),
  // Lago: draft 0, finalized 1, deleted 2.
  status: integer("status").notNull().default(1),
  couponsAdjustmentAmountCents: bigint("coupons_adjustment_amount_cents", { mode: "number" }).notNull().default(0),
  preciseCouponsAdjustmentAmountCents: numeric("precise_coupons_adjustment_amount_cents", { precision: 30, scale: 5 }).notNull().default("0"),
  preciseTaxesAmountCents: numeric("precise_taxes_amount_cents", { precision: 30, scale: 5 }).notNull().default("0"),
  taxesRate: doublePrecision("taxes_rate").notNull().default(0),
  organizationId: uuid("organization_id").notNull(),
  xmlFile: varchar("xml_file"),
  offsetAmountCents: bigint("offset_amount_cents", { mode: "number" }).notNull().default(0),
  offsetAmountCurrency: varchar("offset_amount_currency"),
}, (t) => [
  index("index_credit_notes_on_customer_id").on(t.customerId),
  index("index_credit_notes_on_invoice_id").on(t.invoiceId),
  index("index_credit_notes_on_organization_id").on(t.organizationId),
]);
