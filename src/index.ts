import { createApp } from "./app.ts";
import type { Bindings } from "./env.ts";
import { queue, scheduled } from "./scheduled.ts";

const app = createApp();

// fetch serves the API; scheduled (the cron trigger) refreshes the rollups, with queue consuming the
// work it fans out when a ROLLUP_QUEUE is bound.
export default { fetch: app.fetch, scheduled, queue } satisfies ExportedHandler<Bindings>;
