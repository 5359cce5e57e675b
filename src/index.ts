import { createApp } from "./app.ts";
import type { Bindings } from "./env.ts";
import { scheduled } from "./scheduled.ts";

const app = createApp();

// fetch serves the API; scheduled (the cron trigger) refreshes the rollups.
export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<Bindings>;
