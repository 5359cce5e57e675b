// Lago's own table, as lago-api's db/structure.sql defines it: Lago's names and types. Defaults exist only so
// a standalone dev/test database is easy to fill; the service never writes to these tables.
import { date, index, jsonb, pgTable, timestamp, uuid, varchar } from "drizzle-orm/pg-core";

export const dailyUsages = pgTable("daily_usages", {
  id: uuid("id").primaryKey().defaultRandom(),
  organizationId: uuid("organization_id").notNull(),
  customerId: uuid("customer_id").notNull(),
  subscriptionId: uuid("subscription_id").notNull(),
  externalSubscriptionId: varchar("external_subscription_id").notNull().default(""),
  fromDatetime: timestamp("from_datetime", { precision: 6, mode: "string" }).notNull().defaultNow(),
  toDatetime: timestamp("to_datetime", { precision: 6, mode: "string" }).notNull().defaultNow(),
  usage: jsonb("usage").notNull().default({}),
  createdAt: timestamp("created_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  refreshedAt: timestamp("refreshed_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  usageDiff: jsonb("usage_diff").notNull().default({}),
  usageDate: date("usage_date", { mode: "string" }),
}, (t) => [
  index("index_daily_usages_on_organization_id").on(t.organizationId),
  index("index_daily_usages_on_usage_date").on(t.usageDate),
  index("index_daily_usages_on_subscription_id_and_usage_date").on(t.subscriptionId, t.usageDate),
]);
