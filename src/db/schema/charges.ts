// Lago's own table, as lago-api's db/structure.sql defines it: Lago's names and types. Defaults exist only so
// a standalone dev/test database is easy to fill; the service never writes to these tables.
import { bigint, boolean, index, integer, jsonb, pgTable, timestamp, uuid, varchar } from "drizzle-orm/pg-core";

export const charges = pgTable("charges", {
  id: uuid("id").primaryKey().defaultRandom(),
  billableMetricId: uuid("billable_metric_id"),
  createdAt: timestamp("created_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  planId: uuid("plan_id"),
  amountCurrency: varchar("amount_currency"),
  chargeModel: integer("charge_model").notNull().default(0),
  properties: jsonb("properties").notNull().default({}),
  deletedAt: timestamp("deleted_at", { precision: 6, mode: "string" }),
  payInAdvance: boolean("pay_in_advance").notNull().default(false),
  minAmountCents: bigint("min_amount_cents", { mode: "number" }).notNull().default(0),
  invoiceable: boolean("invoiceable").notNull().default(false),
  prorated: boolean("prorated").notNull().default(false),
  invoiceDisplayName: varchar("invoice_display_name"),
  regroupPaidFees: integer("regroup_paid_fees"),
  parentId: uuid("parent_id"),
  organizationId: uuid("organization_id").notNull(),
  code: varchar("code").notNull(),
  acceptsTargetWallet: boolean("accepts_target_wallet").notNull().default(false),
}, (t) => [
  index("index_charges_on_billable_metric_id").on(t.billableMetricId),
]);
