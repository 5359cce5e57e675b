// Lago's own table, as lago-api's db/structure.sql defines it: Lago's names and types. Defaults exist only so
// a standalone dev/test database is easy to fill; the service never writes to these tables.
import { bigint, boolean, doublePrecision, integer, pgTable, timestamp, uuid, varchar } from "drizzle-orm/pg-core";
import { planPricingType } from "./enums.ts";

export const plans = pgTable("plans", {
  id: uuid("id").primaryKey().defaultRandom(),
  organizationId: uuid("organization_id").notNull(),
  name: varchar("name").notNull(),
  createdAt: timestamp("created_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  code: varchar("code").notNull(),
  // Lago: weekly 0, monthly 1, yearly 2, quarterly 3, semiannual 4; NULL for product_catalog plans.
  interval: integer("interval"),
  description: varchar("description"),
  amountCents: bigint("amount_cents", { mode: "number" }),
  amountCurrency: varchar("amount_currency").notNull().default(""),
  trialPeriod: doublePrecision("trial_period"),
  payInAdvance: boolean("pay_in_advance"),
  billChargesMonthly: boolean("bill_charges_monthly"),
  parentId: uuid("parent_id"),
  deletedAt: timestamp("deleted_at", { precision: 6, mode: "string" }),
  pendingDeletion: boolean("pending_deletion").notNull().default(false),
  invoiceDisplayName: varchar("invoice_display_name"),
  billFixedChargesMonthly: boolean("bill_fixed_charges_monthly"),
  pricingType: planPricingType("pricing_type").notNull().default("legacy"),
});
