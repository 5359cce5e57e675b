import { defineConfig } from "drizzle-kit";

// Migrations build a standalone Lago-shaped database for development and tests only.
// A real Lago database already has these tables: never run them against it.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/index.ts",
  out: "./drizzle",
});
