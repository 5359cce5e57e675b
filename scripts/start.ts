// npm start: the Worker in `wrangler dev` on 127.0.0.1, reading through the local Neon endpoint from
// either an embedded PGlite seeded with demo data (default) or DATABASE_URL's PostgreSQL, as is.
import "./node-version.ts";
import { startLocalService } from "./local-service.ts";
import { DEMO_API_KEY } from "./seed/demo.ts";

const databaseUrl = process.env.DATABASE_URL;
const service = await startLocalService({ port: Number(process.env.PORT ?? 8787), databaseUrl });

const stop = async (code: number) => {
  await service.stop();
  process.exit(code);
};
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
void service.exited.then((code) => stop(code));

const key = databaseUrl ? "<api key>" : DEMO_API_KEY;
console.log(`
Lago edge analytics is running on ${service.url} (${service.label}).
${databaseUrl ? "Use one of that database's API keys." : `Demo API key: ${DEMO_API_KEY}`}

  curl -H "Authorization: Bearer ${key}" "${service.url}/api/v1/analytics/invoiced_usage?months=12"
  curl -H "Authorization: Bearer ${key}" "${service.url}/api/v1/analytics/usage?time_granularity=monthly"

Ctrl-C stops everything.`);
