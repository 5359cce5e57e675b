// Lago's own table, as lago-api's db/structure.sql defines it: Lago's names and types. Defaults exist only so
// a standalone dev/test database is easy to fill; the service never writes to these tables.
import { index, jsonb, pgTable, timestamp, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";

export const apiKeys = pgTable("api_keys", {
  id: uuid("id").primaryKey().defaultRandom(),
  organizationId: uuid("organization_id").notNull(),
  value: varchar("value").notNull(),
  createdAt: timestamp("created_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { precision: 6, mode: "string" }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { precision: 6, mode: "string" }),
  lastUsedAt: timestamp("last_used_at", { precision: 6, mode: "string" }),
  name: varchar("name"),
  permissions: jsonb("permissions").notNull().default({}),
}, (t) => [
  uniqueIndex("index_api_keys_on_value").on(t.value),
  index("index_api_keys_on_organization_id").on(t.organizationId),
]);
