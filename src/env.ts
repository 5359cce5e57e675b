import type { NeonHttpDatabase } from "drizzle-orm/neon-http";
import type { RequestIdVariables } from "hono/request-id";
import type { Config } from "./config.ts";

export type Bindings = {
  DATABASE_URL?: string;
  NEON_FETCH_ENDPOINT?: string;
  REGION?: string;
};

export type Database = NeonHttpDatabase<Record<string, never>>;

export type AppEnv = {
  Bindings: Bindings;
  Variables: RequestIdVariables & {
    config: Config;
    db: Database;
    organizationId: string;
  };
};
