// Lago's own table, as lago-api's db/structure.sql defines it: Lago's names and types. Defaults exist only so
// a standalone dev/test database is easy to fill; the service never writes to these tables.
import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import { billableMetricWeightedInterval, billableMetricRoundingFunction } from "./enums.ts";

export const billableMetrics = pgTable("billable_metrics", {
  id: uuid("id").primaryKey().defaultRandom(),
  organizationId: uuid("organization_id").notNull(),
  name: varchar("name").notNull(),
  code: varchar("code").notNull(),
  description: varchar("description"),
  properties: jsonb("properties"),
  aggregationType: integer("aggregation_type").notNull().default(0),
  createdAt: timestamp("created_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  fieldName: varchar("field_name"),
  deletedAt: timestamp("deleted_at", { precision: 6, mode: "string" }),
  recurring: boolean("recurring").notNull().default(false),
  weightedInterval: billableMetricWeightedInterval("weighted_interval"),
  customAggregator: text("custom_aggregator"),
  expression: varchar("expression"),
  roundingFunction: billableMetricRoundingFunction("rounding_function"),
  roundingPrecision: integer("rounding_precision"),
}, (t) => [
  uniqueIndex("index_billable_metrics_on_organization_id_and_code").on(t.organizationId, t.code).where(sql`deleted_at IS NULL`),
  index("index_billable_metrics_on_organization_id").on(t.organizationId),
]);
