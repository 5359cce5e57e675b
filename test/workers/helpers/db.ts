import { neon, neonConfig } from "@neondatabase/serverless";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/neon-http";

const bindings = env as unknown as { DATABASE_URL: string; NEON_FETCH_ENDPOINT: string };

// Fixtures are written through the same driver and endpoint the Worker reads through.
neonConfig.fetchEndpoint = bindings.NEON_FETCH_ENDPOINT;
export const testDb = drizzle({ client: neon(bindings.DATABASE_URL) });
